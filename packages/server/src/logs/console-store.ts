/**
 * Console logs of jobs (product data, not server logging), under
 * `<root>/<pipeline>/<counter>/<stage>/<stageCounter>/<job>/`:
 * - `console.log`: the raw bytes, append-only;
 * - `console.idx`: one (byteOffset, epochMs) entry per appended batch, for timestamped rendering;
 * - `console.done`: present once the job finished, so followers end even after a server restart.
 * Appends for one job run in call order; file handles of active jobs stay open in a bounded LRU.
 */
import { EventEmitter } from "node:events";
import { access, mkdir, open, stat, writeFile, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";
import { BodyWriter } from "../artifacts/body-writer.ts";
import { jobDirectory } from "../artifacts/job-dir.ts";
import { KeyedQueue } from "../artifacts/keyed-queue.ts";
import { readRange } from "./read-range.ts";
import { encodeIndexEntry, timestampedLines } from "./timestamped.ts";

export const CONSOLE_LOG_FILE = "console.log";
export const CONSOLE_INDEX_FILE = "console.idx";
export const CONSOLE_DONE_FILE = "console.done";

export interface ConsoleStoreOptions {
  /** Directory holding all console logs (`<dataDir>/logs`). */
  root: string;
  /** Jobs whose files stay open between appends; the least recently used are closed beyond this. @default 256 */
  maxOpenJobs?: number;
}

interface OpenLog {
  log: FileHandle;
  index: FileHandle;
  /** Bytes in console.log, kept here so appends and size() need no stat. */
  size: number;
}

export class ConsoleStore {
  readonly #root: string;
  readonly #maxOpenJobs: number;
  readonly #queue = new KeyedQueue();
  /** Insertion order is recency: a hit is re-inserted at the end, eviction takes the first key. */
  readonly #open = new Map<string, OpenLog>();
  /** Only jobs someone follows have an emitter; it is dropped with its last follower. */
  readonly #followers = new Map<string, EventEmitter>();

  constructor(options: ConsoleStoreOptions) {
    this.#root = options.root;
    this.#maxOpenJobs = options.maxOpenJobs ?? 256;
  }

  /** Number of jobs with open file handles (at most `maxOpenJobs`, plus closes still pending). */
  get openJobs(): number {
    return this.#open.size;
  }

  /** Appends one batch stamped with `time` (epoch ms); resolves to the log's new size in bytes. */
  append(locator: JobLocator, chunk: Buffer, time: number): Promise<number> {
    return this.appendStream(locator, [chunk], time);
  }

  /**
   * Appends one batch whose parts arrive over time (an agent's request body), writing each as it comes, so a
   * batch is never held whole in memory. A batch that fails midway (connection lost, over `maxBytes`) is cut
   * off the log again: the agent sends it once more, and followers never saw any of it.
   */
  appendStream(
    locator: JobLocator,
    parts: Iterable<Buffer> | AsyncIterable<Buffer>,
    time: number,
    maxBytes = Number.POSITIVE_INFINITY,
    lineTimes: readonly LineTime[] = [],
  ): Promise<number> {
    const dir = jobDirectory(this.#root, locator);
    return this.#queue.run(dir, async () => {
      const file = await this.#acquire(dir);
      const start = file.size;
      const writer = new BodyWriter(file.log);
      let written = 0;
      try {
        for await (const part of parts) {
          if (written + part.length > maxBytes) {
            throw new FawkesError(ErrorCode.payloadTooLarge, `console batch over ${maxBytes} bytes`);
          }
          writer.push(part);
          written += part.length;
          await writer.ready();
        }
        await writer.end();
        if (written > 0) await writeFully(file.index, indexEntries(start, written, time, lineTimes));
      } catch (error) {
        await writer.settle();
        // If the cut fails too, the size we hold no longer matches the file; reopening re-reads it.
        if (written > 0) await file.log.truncate(start).catch(() => this.#evict(dir));
        throw error;
      }
      if (written === 0) return start;
      file.size = start + written;
      this.#followers.get(dir)?.emit("append", file.size);
      return file.size;
    });
  }

  /** Marks the log complete: closes its files and ends every follower once it has read everything. */
  finish(locator: JobLocator): Promise<void> {
    const dir = jobDirectory(this.#root, locator);
    return this.#queue.run(dir, async () => {
      const file = this.#open.get(dir);
      if (file) {
        this.#open.delete(dir);
        await closeLog(file);
      }
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await writeFile(join(dir, CONSOLE_DONE_FILE), "", { mode: 0o600 });
      this.#followers.get(dir)?.emit("finish");
    });
  }

  async isFinished(locator: JobLocator): Promise<boolean> {
    return access(join(jobDirectory(this.#root, locator), CONSOLE_DONE_FILE)).then(
      () => true,
      () => false,
    );
  }

  /** Bytes stored so far; 0 for a job that printed nothing. */
  async size(locator: JobLocator): Promise<number> {
    const dir = jobDirectory(this.#root, locator);
    const file = this.#open.get(dir);
    if (file) return file.size;
    try {
      return (await stat(join(dir, CONSOLE_LOG_FILE))).size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return 0;
      throw error;
    }
  }

  /** Raw bytes from `offset` to `end` (exclusive; the current end when omitted). */
  readRaw(locator: JobLocator, offset: number, end?: number): Readable {
    checkOffset(offset);
    if (end !== undefined) checkOffset(end);
    return Readable.from(readRange(this.#file(locator, CONSOLE_LOG_FILE), offset, end));
  }

  /** Lines from `offset` (a line start), each prefixed with `HH:MM:SS.mmm ` in UTC. */
  readTimestamped(locator: JobLocator, offset: number): Readable {
    checkOffset(offset);
    const logPath = this.#file(locator, CONSOLE_LOG_FILE);
    return Readable.from(timestampedLines(logPath, this.#file(locator, CONSOLE_INDEX_FILE), offset));
  }

  /**
   * Raw bytes from `fromOffset` on: what is stored now, then each append as it happens (event-driven).
   * Ends once the log is finished and fully read, or when `signal` aborts.
   */
  async *follow(locator: JobLocator, fromOffset: number, signal: AbortSignal): AsyncGenerator<Buffer> {
    checkOffset(fromOffset);
    const dir = jobDirectory(this.#root, locator);
    const logPath = join(dir, CONSOLE_LOG_FILE);
    let known = 0;
    let finished = false;
    let wake: (() => void) | null = null;
    const onAppend = (size: number) => {
      known = Math.max(known, size);
      wake?.();
    };
    const onFinish = () => {
      finished = true;
      wake?.();
    };
    const onAbort = () => wake?.();
    // Subscribe before reading the current state, so no append falls in between.
    const emitter = this.#subscribe(dir, onAppend, onFinish);
    signal.addEventListener("abort", onAbort);
    try {
      finished = finished || (await this.isFinished(locator));
      known = Math.max(known, await this.size(locator));
      let position = fromOffset;
      while (!signal.aborted) {
        if (position < known) {
          for await (const chunk of readRange(logPath, position, known)) {
            if (signal.aborted) return;
            position += chunk.length;
            yield chunk;
          }
          continue;
        }
        if (finished) return;
        await new Promise<void>((resolve) => (wake = resolve));
        wake = null;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      this.#unsubscribe(dir, emitter, onAppend, onFinish);
    }
  }

  /** Closes every open file once pending appends are done (server shutdown). */
  async close(): Promise<void> {
    await this.#queue.drain();
    const files = [...this.#open.values()];
    this.#open.clear();
    await Promise.all(files.map(closeLog));
  }

  #file(locator: JobLocator, name: string): string {
    return join(jobDirectory(this.#root, locator), name);
  }

  /** Runs inside the job's queue, so no other operation on this job interleaves. */
  async #acquire(dir: string): Promise<OpenLog> {
    const cached = this.#open.get(dir);
    if (cached) {
      this.#open.delete(dir);
      this.#open.set(dir, cached);
      return cached;
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const log = await open(join(dir, CONSOLE_LOG_FILE), "a", 0o600);
    let index: FileHandle;
    try {
      index = await open(join(dir, CONSOLE_INDEX_FILE), "a", 0o600);
    } catch (error) {
      await log.close();
      throw error;
    }
    const file = { log, index, size: (await log.stat()).size };
    this.#open.set(dir, file);
    while (this.#open.size > this.#maxOpenJobs) {
      const oldest = this.#open.keys().next().value!;
      this.#evict(oldest);
    }
    return file;
  }

  /** Forgets a job's handles now and closes them after the job's queued work, which may still use them. */
  #evict(dir: string): void {
    const file = this.#open.get(dir);
    if (!file) return;
    this.#open.delete(dir);
    void this.#queue.run(dir, () => closeLog(file)).catch(() => {});
  }

  #subscribe(dir: string, onAppend: (size: number) => void, onFinish: () => void): EventEmitter {
    let emitter = this.#followers.get(dir);
    if (!emitter) {
      emitter = new EventEmitter();
      emitter.setMaxListeners(0);
      this.#followers.set(dir, emitter);
    }
    emitter.on("append", onAppend);
    emitter.on("finish", onFinish);
    return emitter;
  }

  #unsubscribe(
    dir: string,
    emitter: EventEmitter,
    onAppend: (size: number) => void,
    onFinish: () => void,
  ): void {
    emitter.off("append", onAppend);
    emitter.off("finish", onFinish);
    if (emitter.listenerCount("append") === 0 && this.#followers.get(dir) === emitter)
      this.#followers.delete(dir);
  }
}

async function closeLog(file: OpenLog): Promise<void> {
  await Promise.allSettled([file.log.close(), file.index.close()]);
}

/** One write call per file for any chunk size; loops only if the kernel writes less (it does not for files). */
async function writeFully(handle: FileHandle, bytes: Buffer): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

function checkOffset(offset: number): void {
  if (!Number.isSafeInteger(offset) || offset < 0) {
    throw new FawkesError(ErrorCode.badRequest, `invalid console log offset: ${offset}`);
  }
}

/** When the line at byte `offset` of a batch was read from its task (epoch ms). */
export type LineTime = readonly [offset: number, time: number];

/**
 * The index entries of one batch: the batch's time at its start, then each later line time inside the batch
 * (offsets increasing; one out of order or outside the batch ends the list: the rest keep the last good time).
 */
function indexEntries(start: number, written: number, time: number, lineTimes: readonly LineTime[]): Buffer {
  const entries = [encodeIndexEntry(start, lineTimes[0]?.[0] === 0 ? lineTimes[0][1] : time)];
  let previous = 0;
  for (const [offset, at] of lineTimes) {
    if (offset === 0) continue;
    if (!(offset > previous && offset < written && Number.isFinite(at))) break;
    entries.push(encodeIndexEntry(start + offset, at));
    previous = offset;
  }
  return entries.length === 1 ? entries[0]! : Buffer.concat(entries);
}
