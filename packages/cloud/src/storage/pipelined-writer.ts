import type { FileHandle } from "node:fs/promises";

const WRITE_BATCH = 1024 * 1024;
/** Bytes handed to the disk but not yet written before the network side waits: memory stays flat. */
const MAX_IN_FLIGHT = 4 * WRITE_BATCH;
/** Start writing back to disk every so often while the body streams, so the final fsync has little left. */
export const EARLY_SYNC_EVERY = 32 * 1024 * 1024;

/**
 * Appends to a file in ~1 MiB writes that run in the threadpool while the caller keeps receiving and hashing
 * (one write at a time, in order), with background fdatasyncs along the way. Network chunks are ~64 KiB:
 * batching makes one threadpool round trip per MiB, not 16.
 */
export class PipelinedWriter {
  private readonly file: FileHandle;
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private inFlight = 0;
  private written = 0;
  private syncedTo = 0;
  private chain: Promise<void> = Promise.resolve();
  /** The queued batches, oldest first (they complete in order). */
  private readonly batches: Promise<void>[] = [];
  private syncing: Promise<void> | undefined;
  private failure: { error: unknown } | undefined;

  constructor(file: FileHandle) {
    this.file = file;
  }

  /** Queues the chunk; returns a promise to wait on only when too much is in flight (or a write failed). */
  write(chunk: Buffer): Promise<void> | undefined {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    if (this.pendingBytes >= WRITE_BATCH) this.flush();
    if (this.failure) return Promise.reject(this.failure.error);
    if (this.inFlight > MAX_IN_FLIGHT) return this.belowLimit();
    return undefined;
  }

  private async belowLimit(): Promise<void> {
    while (this.inFlight > MAX_IN_FLIGHT && this.batches.length > 0) await this.batches[0];
    if (this.failure) throw this.failure.error;
  }

  /** Waits for every write; throws the first write or sync error. */
  async end(): Promise<void> {
    this.flush();
    await this.settled();
    if (this.failure) throw this.failure.error;
  }

  /** Resolves once nothing is running on the file (safe to close), whatever happened. */
  async settled(): Promise<void> {
    await this.chain;
    await this.syncing;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    const buffers = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inFlight += bytes;
    this.chain = this.chain.then(async () => {
      if (this.failure) return;
      try {
        await writeAll(this.file, buffers, bytes);
        this.written += bytes;
        this.maybeSync();
      } catch (error) {
        this.failure ??= { error };
      } finally {
        this.inFlight -= bytes;
        // Drops this very batch (batches run in order) from the list; it is settling now and never rejects.
        void this.batches.shift();
      }
    });
    this.batches.push(this.chain);
  }

  private maybeSync(): void {
    if (this.syncing || this.written - this.syncedTo < EARLY_SYNC_EVERY) return;
    const upTo = this.written;
    this.syncing = this.file
      .datasync()
      .then(
        () => {
          this.syncedTo = upTo;
        },
        (error: unknown) => {
          this.failure ??= { error };
        },
      )
      .finally(() => {
        this.syncing = undefined;
      });
  }
}

/** writev, not Buffer.concat: no 1 MiB copy (and garbage) per batch. Retries short writes. */
async function writeAll(file: FileHandle, buffers: Buffer[], bytes: number): Promise<void> {
  let remaining = bytes;
  while (remaining > 0) {
    let { bytesWritten } = await file.writev(buffers);
    remaining -= bytesWritten;
    while (remaining > 0 && bytesWritten >= buffers[0]!.length) bytesWritten -= buffers.shift()!.length;
    if (remaining > 0 && bytesWritten > 0)
      buffers = [buffers[0]!.subarray(bytesWritten), ...buffers.slice(1)];
  }
}
