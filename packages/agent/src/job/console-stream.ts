import { SecretMasker } from "./secret-masker.ts";

/**
 * Sends one batch of console bytes, given as the parts they were read in (joining them would copy every byte
 * once more); `time` is the epoch ms of the first byte. Throws only to give up.
 */
export type ConsoleSender = (parts: readonly Buffer[], time: number) => Promise<void>;

const maxBatchBytes = 4 * 1024 * 1024;
const pauseAboveBytes = 16 * 1024 * 1024;
const resumeBelowBytes = 4 * 1024 * 1024;

interface Pending {
  bytes: Buffer;
  time: number;
}

interface Batch {
  parts: Buffer[];
  time: number;
}

/**
 * The job's console: bytes are masked, queued, and posted as soon as no post is in flight — so output
 * streams live with no fixed interval, and batches grow by themselves while the server is busy.
 * Producers check `overloaded` and wait for `onDrain` (back-pressure) so memory stays bounded.
 */
export class ConsoleStream {
  readonly #send: ConsoleSender;
  readonly #masker: SecretMasker;
  readonly #queue: Pending[] = [];
  #queuedBytes = 0;
  #inFlight = false;
  #closed = false;
  #stopped = false;
  #atLineStart = true;
  #drainListeners: (() => void)[] = [];
  #idleListeners: (() => void)[] = [];

  constructor(send: ConsoleSender, secrets: string[]) {
    this.#send = send;
    this.#masker = new SecretMasker(secrets);
  }

  /** Raw output of a task. */
  write(chunk: Buffer): void {
    if (this.#stopped) return;
    this.#enqueue(this.#masker.push(chunk));
  }

  /** A line from the agent itself, e.g. `[fawkes] Task: make (run_if passed)`, always on a line of its own. Also masked. */
  line(text: string): void {
    this.flushTask();
    this.write(Buffer.from(`${this.#atLineStart ? "" : "\n"}[fawkes] ${text}\n`));
  }

  /** End of one task's output: releases bytes held back for split secrets. */
  flushTask(): void {
    if (this.#stopped) return;
    this.#enqueue(this.#masker.end());
  }

  get overloaded(): boolean {
    return this.#queuedBytes > pauseAboveBytes;
  }

  /** Calls `listener` once when the queue has drained below the resume mark. */
  onDrain(listener: () => void): void {
    if (!this.overloaded) return listener();
    this.#drainListeners.push(listener);
  }

  /** Stops sending (the lease was lost): pending bytes are dropped. */
  stop(): void {
    this.#stopped = true;
    this.#queue.length = 0;
    this.#queuedBytes = 0;
    this.#notify();
  }

  /** Flushes everything and resolves once the server has it (or sending was stopped). */
  close(): Promise<void> {
    this.flushTask();
    this.#closed = true;
    this.#pump();
    if (this.#isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleListeners.push(resolve));
  }

  #enqueue(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.#atLineStart = bytes[bytes.length - 1] === 0x0a;
    this.#queue.push({ bytes, time: Date.now() });
    this.#queuedBytes += bytes.length;
    this.#pump();
  }

  #isIdle(): boolean {
    return !this.#inFlight && (this.#stopped || this.#queuedBytes === 0);
  }

  #pump(): void {
    if (this.#inFlight || this.#stopped || this.#queue.length === 0) return;
    const batch = this.#take();
    if (batch === undefined) return;
    this.#inFlight = true;
    this.#send(batch.parts, batch.time).then(
      () => this.#afterSend(),
      () => {
        // The sender gave up for good (lease lost or refused): nothing more leaves this console.
        this.stop();
        this.#afterSend();
      },
    );
  }

  #afterSend(): void {
    this.#inFlight = false;
    this.#notify();
    this.#pump();
  }

  #notify(): void {
    if (this.#queuedBytes <= resumeBelowBytes && this.#drainListeners.length > 0) {
      const listeners = this.#drainListeners;
      this.#drainListeners = [];
      for (const listener of listeners) listener();
    }
    if (this.#isIdle() && this.#idleListeners.length > 0) {
      const listeners = this.#idleListeners;
      this.#idleListeners = [];
      for (const listener of listeners) listener();
    }
  }

  /** Takes up to `maxBatchBytes` from the queue, ending on a UTF-8 character boundary. */
  #take(): Batch | undefined {
    const time = this.#queue[0]!.time;
    const parts: Buffer[] = [];
    let size = 0;
    while (this.#queue.length > 0 && size < maxBatchBytes) {
      const head = this.#queue[0]!;
      const room = maxBatchBytes - size;
      if (head.bytes.length <= room) {
        parts.push(head.bytes);
        size += head.bytes.length;
        this.#queue.shift();
      } else {
        parts.push(head.bytes.subarray(0, room));
        head.bytes = head.bytes.subarray(room);
        size += room;
      }
    }
    // Once closed, the very last bytes go as they are: nothing could complete them.
    if (!this.#closed || this.#queue.length > 0) size -= this.#holdBackIncompleteCharacter(parts);
    this.#queuedBytes -= size;
    return size === 0 ? undefined : { parts, time };
  }

  /** Moves a character cut by the batch's end back to the queue; returns how many bytes it moved. */
  #holdBackIncompleteCharacter(parts: Buffer[]): number {
    // A UTF-8 character is at most 4 bytes, and its end may straddle parts: look at the last 4 bytes only.
    const tail = lastBytes(parts, 4);
    const held = tail.length - utf8SafeLength(tail);
    if (held === 0) return 0;
    this.#queue.unshift({ bytes: tail.subarray(tail.length - held), time: Date.now() });
    let remove = held;
    while (remove > 0) {
      const last = parts[parts.length - 1]!;
      if (last.length <= remove) {
        parts.pop();
        remove -= last.length;
      } else {
        parts[parts.length - 1] = last.subarray(0, last.length - remove);
        remove = 0;
      }
    }
    return held;
  }
}

/** A copy of the last `count` bytes (or fewer) of `parts`. */
function lastBytes(parts: readonly Buffer[], count: number): Buffer {
  const picked: Buffer[] = [];
  let length = 0;
  for (let index = parts.length - 1; index >= 0 && length < count; index--) {
    const part = parts[index]!;
    const slice = part.subarray(Math.max(0, part.length - (count - length)));
    picked.unshift(slice);
    length += slice.length;
  }
  return Buffer.concat(picked, length);
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
