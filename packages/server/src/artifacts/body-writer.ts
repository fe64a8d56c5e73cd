import type { FileHandle } from "node:fs/promises";

/** Bytes that may wait behind the write in flight before the reader is held back. */
const HIGH_WATER_BYTES = 256 * 1024;

/**
 * Appends a request body to a file as its parts arrive, joining the parts that arrive while a write is in
 * flight into one `writev`. A body comes in 64 KiB socket reads: awaiting one threadpool write per read left
 * the socket idle during every write and cost a round trip per 64 KiB (a 100 MB console took ~1,600).
 * The reader waits (`ready`) once 256 KiB are queued: memory stays bounded when the disk is slow, and few
 * socket buffers are alive at once (glibc keeps the heap a burst of them took: with 1 MiB, a server that had
 * taken a 100 MB console stayed ~4 MiB larger).
 */
export class BodyWriter {
  readonly #handle: FileHandle;
  #queued: Buffer[] = [];
  #queuedBytes = 0;
  #flushing: Promise<void> | undefined;
  #failure: { error: unknown } | undefined;

  constructor(handle: FileHandle) {
    this.#handle = handle;
  }

  /** Queues `part` for writing; the buffer must not be changed afterwards. Throws a failed write's error. */
  push(part: Buffer): void {
    if (this.#failure) throw this.#failure.error;
    if (part.length === 0) return;
    this.#queued.push(part);
    this.#queuedBytes += part.length;
    this.#flushing ??= this.#flush();
  }

  /** Resolves when more parts may be pushed. */
  async ready(): Promise<void> {
    while (this.#queuedBytes >= HIGH_WATER_BYTES && this.#flushing) await this.#flushing;
    if (this.#failure) throw this.#failure.error;
  }

  /** Resolves once every pushed part is written; rejects with the first write error. */
  async end(): Promise<void> {
    await this.settle();
    if (this.#failure) throw this.#failure.error;
  }

  /** Resolves once no write is in flight, whatever the outcome (before cleaning up after a failure). */
  async settle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    try {
      while (this.#queued.length > 0 && !this.#failure) {
        const parts = this.#queued;
        this.#queued = [];
        this.#queuedBytes = 0;
        await writeAll(this.#handle, parts);
      }
    } catch (error) {
      this.#failure = { error };
      this.#queued = [];
      this.#queuedBytes = 0;
    } finally {
      this.#flushing = undefined;
    }
  }
}

/** One writev for any number of parts; loops only if the kernel writes less (it does not for files). */
async function writeAll(handle: FileHandle, parts: Buffer[]): Promise<void> {
  let pending = parts;
  for (;;) {
    let { bytesWritten } = await handle.writev(pending);
    let done = 0;
    while (done < pending.length && bytesWritten >= pending[done]!.length)
      bytesWritten -= pending[done++]!.length;
    if (done === pending.length) return;
    pending = [pending[done]!.subarray(bytesWritten), ...pending.slice(done + 1)];
  }
}
