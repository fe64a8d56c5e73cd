import {
  closeSync,
  fstatSync,
  openSync,
  read,
  readSync,
  rmSync,
  watch,
  writeSync,
  type FSWatcher,
} from "node:fs";
import { rm } from "node:fs/promises";
import { SecretMasker } from "./secret-masker.ts";

/**
 * Sends one batch of console bytes, given as parts; `lineTimes` says when its lines were seen: `[offset, time]`
 * pairs (byte offset in the batch, epoch ms on the server's clock), the first at offset 0, offsets increasing; a
 * line gets the time of the last pair at or before its first byte. Throws only to give up.
 */
export type ConsoleSender = (parts: readonly Buffer[], lineTimes: readonly LineTime[]) => Promise<void>;
export type LineTime = readonly [offset: number, time: number];

/** Bytes read from the spool and sent per request. */
const batchBytes = 4 * 1024 * 1024;
const safetyNetMs = 1_000;
/** While a batch is being sent the spool is not watched: it is looked at this often, to time new lines. */
const samplingMs = 50;
/** Line times sent per batch at most (they travel in a header); beyond, some lines share a neighbour's time. */
const maxLineTimes = 256;
/** Growth marks kept at most (one per look that saw the spool grow, each 50 ms while sending). */
const maxSeen = 8192;

/**
 * The job's console, spooled through a file on the agent's disk: tasks write their stdout and stderr straight
 * into it (one descriptor for both, so their order is kept), and the agent's own lines are appended to it too.
 * Whenever the file grows (inotify, so with no fixed interval), the agent reads what is new into one reused
 * buffer, masks it and sends it. So a task never waits for the server, however fast it prints; the agent's
 * memory does not grow with the output (pipes would hand it a fresh 64 KiB buffer per read, garbage that V8
 * collects late and glibc keeps); and bytes not yet sent survive a server restart on disk.
 *
 * The read buffer is a resizable ArrayBuffer: only the pages a read fills become resident, and shrinking it to
 * nothing when the job ends hands them back to the OS at once. A plain 4 MiB buffer would wait for a full GC,
 * and glibc would keep its memory even then (an agent stayed ~4 MiB larger after every chatty job).
 */
export class ConsoleStream {
  /** The write end for tasks (O_APPEND, shared by every task of the job). */
  readonly outputFd: number;
  readonly #path: string;
  readonly #readFd: number;
  readonly #send: ConsoleSender;
  readonly #masker: SecretMasker;
  #watcher: FSWatcher | undefined;
  readonly #safetyNet: NodeJS.Timeout;
  readonly #memory = new ArrayBuffer(batchBytes, { maxByteLength: batchBytes });
  readonly #buffer = Buffer.from(this.#memory);
  /** Spool bytes masked and sent. */
  #consumed = 0;
  /** Where the last read of the spool ended (sent bytes plus any held back). */
  #readEnd = 0;
  #lastOutputAt = Date.now();
  /** Spool size when output was last noted. */
  #spoolSize = 0;
  #running: Promise<void> | undefined;
  /** Looks at the spool while a pass sends (see samplingMs). */
  #sampler: NodeJS.Timeout | undefined;
  /** The spool's size when last looked at. */
  #seenSize = 0;
  /**
   * When the spool's bytes were first seen, oldest first: bytes from `offset` on (up to the next entry) were
   * first seen at `time`, on the server's clock. Each line is stamped from here, not with the time of the batch
   * that carries it: a task printing while a batch is being sent gets its lines' own times.
   */
  #seen: { offset: number; time: number }[] = [];
  readonly #now: () => number;
  #again = false;
  #closed = false;
  #stopped = false;
  #disposed = false;

  /** `now`: the server's clock as this agent estimates it (ServerClient.serverClockOffsetMs). */
  constructor(send: ConsoleSender, secrets: string[], spoolPath: string, now: () => number = Date.now) {
    this.#send = send;
    this.#now = now;
    this.#masker = new SecretMasker(secrets);
    this.#path = spoolPath;
    rmSync(spoolPath, { force: true });
    this.outputFd = openSync(spoolPath, "a", 0o600);
    this.#readFd = openSync(spoolPath, "r");
    this.#arm();
    // inotify can drop events (queue overflow), miss writes on network filesystems, or be out of watches:
    // a look every second as well (every 50 ms without a watch).
    this.#safetyNet = setInterval(() => this.#onChange(), this.#watcher ? safetyNetMs : 50).unref();
  }

  /** When the spool last grew (the no-output timeout counts from here). */
  get lastOutputAt(): number {
    // The spool is not watched while a batch is being sent: growth seen now counts as output now.
    if (!this.#disposed) {
      const size = fstatSync(this.outputFd).size;
      if (size > this.#spoolSize) {
        this.#spoolSize = size;
        this.#lastOutputAt = Date.now();
      }
    }
    return this.#lastOutputAt;
  }

  /** Values to mask from now on (see SecretMasker.add): whatever is read from the spool after this is masked. */
  addSecrets(secrets: readonly string[]): void {
    this.#masker.add(secrets);
  }

  /** Raw output from the agent itself (tasks write to `outputFd`). */
  write(chunk: Buffer): void {
    if (this.#disposed) return;
    try {
      writeSync(this.outputFd, chunk);
    } catch {
      // The agent's disk is full: the job goes on without this line rather than fail over it.
      return;
    }
    this.#onChange();
  }

  /** A line from the agent itself, e.g. `[fawkes] Task: make (run_if passed)`, always on a line of its own. Also masked. */
  line(text: string): void {
    if (this.#disposed) return;
    this.write(Buffer.from(`${this.#endsWithNewline() ? "" : "\n"}[fawkes] ${text}\n`));
  }

  /** Stops sending (the lease was lost, or the job is over): what is not sent yet is dropped with the spool. */
  stop(): void {
    this.#stopped = true;
    this.#stopWatching();
    if (this.#running === undefined) this.#dispose();
  }

  /** Sends everything written so far and resolves once the server has it (or sending was stopped). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#stopWatching();
    while (this.#running) await this.#running;
    // One whole pass with #closed set reads to the end, including what was held back.
    await this.#pump();
    while (this.#running) await this.#running;
    this.#dispose();
  }

  #stopWatching(): void {
    this.#disarm();
    clearInterval(this.#safetyNet);
    clearInterval(this.#sampler);
  }

  /** Notes when the spool grew: what is new since the last look was first seen now. */
  #observe(): void {
    if (this.#disposed) return;
    const size = fstatSync(this.#readFd).size;
    if (size <= this.#seenSize) return;
    this.#seen.push({ offset: this.#seenSize, time: this.#now() });
    this.#seenSize = size;
    // A batch that cannot be sent for long (the server down) while the task prints: coarser times, bounded memory.
    if (this.#seen.length > maxSeen) this.#seen = this.#seen.filter((_, index) => index % 2 === 0);
  }

  /**
   * Watches the spool, between passes only. While a pass reads and sends, a task printing fast would wake the
   * agent for every write it makes (~20,000 times and ~150 ms of CPU per 100 MB), and the pass reads what those
   * writes added anyway. A pass that has read to the end arms the watch again.
   */
  #arm(): void {
    if (this.#watcher || this.#closed || this.#stopped || this.#disposed) return;
    this.#watcher = watchSpool(this.#path, () => {
      this.#disarm();
      this.#onChange();
    });
    // What was written after the pass's last read and before the watch raised no event.
    if (this.#watcher && fstatSync(this.#readFd).size > this.#readEnd) void this.#pump();
  }

  #disarm(): void {
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  #onChange(): void {
    this.#lastOutputAt = Date.now();
    this.#observe();
    void this.#pump();
  }

  #pump(): Promise<void> {
    if (this.#stopped || this.#disposed) return Promise.resolve();
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#again = false;
    if (!this.#closed) this.#sampler ??= setInterval(() => this.#observe(), samplingMs).unref();
    this.#running = this.#sendNew()
      .catch(() => this.stop())
      .finally(() => {
        this.#running = undefined;
        clearInterval(this.#sampler);
        this.#sampler = undefined;
        if (this.#stopped) this.#dispose();
        else if (this.#again) void this.#pump();
        else this.#arm();
      });
    return this.#running;
  }

  /**
   * Reads and sends until the end of the spool, or until what is left could still change: a character cut by
   * the end, or the start of a secret. Those bytes are read again, with their rest, on the next pass.
   */
  async #sendNew(): Promise<void> {
    while (!this.#stopped) {
      const length = await readAt(this.#readFd, this.#buffer, this.#consumed);
      this.#readEnd = this.#consumed + length;
      if (length === 0) return;
      // Bytes no look has seen yet (written since the last one) are seen now.
      this.#observe();
      const data = this.#buffer.subarray(0, length);
      // Once closed, a read that reaches the end holds the very last bytes: nothing could complete them.
      const final = this.#closed && length < batchBytes;
      const { output, consumed } = this.#masker.mask(
        data.subarray(0, final ? length : utf8SafeLength(data)),
        final,
      );
      if (consumed === 0) return;
      this.#lastOutputAt = Date.now();
      const lineTimes = this.#lineTimes(data.subarray(0, consumed), output);
      this.#consumed += consumed;
      while (this.#seen.length > 1 && this.#seen[1]!.offset <= this.#consumed) this.#seen.shift();
      // The output may be a view of the buffer: it is read into again only once this batch is sent.
      await this.#deliver(output, lineTimes);
    }
  }

  /**
   * When each line of the batch was first seen, as offsets of `output` (the masked `raw`, read at #consumed).
   * Masking keeps the lines (a secret is one line), so the n-th line of `raw` is the n-th of `output`; if it did
   * not, the whole batch gets the time of its first byte.
   */
  #lineTimes(raw: Buffer, output: Buffer): LineTime[] {
    const start = this.#consumed;
    const end = start + raw.length;
    let mark = 0;
    while (mark + 1 < this.#seen.length && this.#seen[mark + 1]!.offset <= start) mark++;
    const first = this.#seen[mark]?.time ?? this.#now();
    // Usually the whole batch was first seen at once: no line needs its own time.
    if (mark + 1 >= this.#seen.length || this.#seen[mark + 1]!.offset >= end) return [[0, first]];
    const rawStarts = lineStarts(raw);
    const outputStarts = lineStarts(output);
    if (rawStarts.length !== outputStarts.length) return [[0, first]];
    const times: LineTime[] = [];
    for (let line = 0; line < rawStarts.length; line++) {
      const at = start + rawStarts[line]!;
      while (mark + 1 < this.#seen.length && this.#seen[mark + 1]!.offset <= at) mark++;
      const time = this.#seen[mark]!.time;
      if (times.length === 0 || times[times.length - 1]![1] !== time) times.push([outputStarts[line]!, time]);
    }
    if (times.length <= maxLineTimes) return times;
    // Evenly thinned: a line whose own time is dropped gets the time of the line times before it.
    const step = times.length / maxLineTimes;
    return Array.from({ length: maxLineTimes }, (_, index) => times[Math.floor(index * step)]!);
  }

  async #deliver(bytes: Buffer, lineTimes: readonly LineTime[]): Promise<void> {
    if (bytes.length > 0) await this.#send([bytes], lineTimes);
  }

  #endsWithNewline(): boolean {
    const size = fstatSync(this.outputFd).size;
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    readSync(this.#readFd, last, 0, 1, size - 1);
    return last[0] === 0x0a;
  }

  #dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#stopWatching();
    closeSync(this.outputFd);
    closeSync(this.#readFd);
    // No read is in flight and no batch is being sent once disposed.
    this.#memory.resize(0);
    // Off the main thread: unlinking a large spool frees its page cache there (~35 ms per 100 MB), and the
    // job's completion waits for this.
    void rm(this.#path, { force: true }).catch(() => {});
  }
}

function watchSpool(path: string, onChange: () => void): FSWatcher | undefined {
  try {
    const watcher = watch(path, { persistent: false }, onChange);
    watcher.on("error", onChange);
    return watcher;
  } catch {
    return undefined;
  }
}

/** Offsets at which lines start in `bytes`: 0, and after each newline but the last byte. */
function lineStarts(bytes: Buffer): number[] {
  const starts = [0];
  for (let newline = bytes.indexOf(0x0a); newline !== -1 && newline + 1 < bytes.length;) {
    starts.push(newline + 1);
    newline = bytes.indexOf(0x0a, newline + 1);
  }
  return starts;
}

function readAt(fd: number, buffer: Buffer, position: number): Promise<number> {
  return new Promise((resolve, reject) =>
    read(fd, buffer, 0, buffer.length, position, (error, bytesRead) =>
      error ? reject(error) : resolve(bytesRead),
    ),
  );
}

/** Length of `bytes` without a trailing incomplete UTF-8 sequence. */
function utf8SafeLength(bytes: Buffer): number {
  const end = bytes.length;
  for (let i = end - 1; i >= Math.max(0, end - 4); i--) {
    const byte = bytes[i]!;
    if ((byte & 0xc0) === 0x80) continue;
    const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return i + need > end ? i : end;
  }
  return end;
}
