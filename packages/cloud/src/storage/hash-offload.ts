import { availableParallelism } from "node:os";
import type { FileHandle } from "node:fs/promises";
import { Worker } from "node:worker_threads";
import type { ChecksumAlgorithm } from "../checksums/checksum.ts";
import { EARLY_SYNC_EVERY } from "./pipelined-writer.ts";

export type ToWorker =
  | { type: "start"; id: number; fd: number; sha256: boolean; algorithms: ChecksumAlgorithm[] }
  | { type: "data"; id: number; buffer: ArrayBuffer; length: number }
  | { type: "end"; id: number };

export type FromWorker =
  | { type: "ack"; id: number; buffer: ArrayBuffer; error: string | undefined }
  | {
      type: "done";
      id: number;
      error: string | undefined;
      md5: string;
      sha256: string | undefined;
      checksums: Partial<Record<ChecksumAlgorithm, string>>;
    };

export interface Digests {
  md5: Buffer;
  /** Hex SHA-256 of the payload, when asked for. */
  sha256: string | undefined;
  checksums: Partial<Record<ChecksumAlgorithm, string>>;
}

/** Bodies at least this large are hashed and written off the event loop; smaller ones aren't worth a message. */
export const OFFLOAD_MIN_BYTES = 1024 * 1024;
const BUFFER_BYTES = 1024 * 1024;
/** Buffers per upload: bytes received but not yet hashed and written are bounded by this (memory stays flat). */
const BUFFERS_PER_UPLOAD = 4;
const SPARE_BUFFERS = 4;

/**
 * MD5 (the ETag), SHA-256 (the SigV4 payload hash) and CRCs run at a few hundred MB/s each: on the event loop
 * they serialise with receiving, and a 2-core host's second core sits idle. A few worker threads (one per core but one,
 * created on first use, unref'd) hash and write the bodies of large uploads instead.
 */
class HashWorkers {
  private workers: Worker[] = [];
  private next = 0;
  private lastId = 0;
  private readonly uploads = new Map<number, OffloadedUpload>();
  private readonly spare: ArrayBuffer[] = [];

  private pick(): Worker {
    if (this.workers.length === 0) {
      // One core stays with the event loop, which receives the bodies the workers hash.
      const count = Math.max(1, Math.min(4, availableParallelism() - 1));
      for (let i = 0; i < count; i++) {
        const worker = new Worker(new URL("./hash-worker.ts", import.meta.url));
        worker.on("message", (message: FromWorker) => this.uploads.get(message.id)?.receive(message));
        worker.on("error", (error) => {
          // Fail every upload in flight; the next upload starts fresh workers.
          for (const upload of this.uploads.values()) upload.crash(error);
          this.uploads.clear();
          this.workers = [];
        });
        // After the listeners: adding a 'message' listener refs the port again.
        worker.unref();
        this.workers.push(worker);
      }
    }
    return this.workers[this.next++ % this.workers.length]!;
  }

  begin(file: FileHandle, sha256: boolean, algorithms: ChecksumAlgorithm[]): OffloadedUpload {
    const id = ++this.lastId;
    const worker = this.pick();
    const upload = new OffloadedUpload(id, worker, file, this);
    this.uploads.set(id, upload);
    worker.postMessage({ type: "start", id, fd: file.fd, sha256, algorithms } satisfies ToWorker);
    return upload;
  }

  finished(id: number): void {
    this.uploads.delete(id);
  }

  buffer(): ArrayBuffer {
    return this.spare.pop() ?? new ArrayBuffer(BUFFER_BYTES);
  }

  recycle(buffer: ArrayBuffer): void {
    if (buffer.byteLength === BUFFER_BYTES && this.spare.length < SPARE_BUFFERS) this.spare.push(buffer);
  }
}

export const hashWorkers = new HashWorkers();

/**
 * One upload body streaming to a worker: chunks are copied into 1 MiB buffers that are transferred to the worker
 * and back. The worker writes them at their offsets; the file is fdatasynced along the way from here.
 */
export class OffloadedUpload {
  private readonly id: number;
  private readonly worker: Worker;
  private readonly file: FileHandle;
  private readonly owner: HashWorkers;
  private free: ArrayBuffer[] = [];
  private buffers = 0;
  private current: Buffer | undefined;
  private filled = 0;
  private written = 0;
  private syncedTo = 0;
  private syncing: Promise<void> | undefined;
  private failure: Error | undefined;
  private waiter: (() => void) | undefined;
  private done: ((message: Extract<FromWorker, { type: "done" }>) => void) | undefined;
  private ended = false;

  constructor(id: number, worker: Worker, file: FileHandle, owner: HashWorkers) {
    this.id = id;
    this.worker = worker;
    this.file = file;
    this.owner = owner;
  }

  /** The worker died: every wait ends with the error. */
  crash(error: Error): void {
    this.failure ??= error;
    const wake = this.waiter;
    this.waiter = undefined;
    wake?.();
    this.done?.({
      type: "done",
      id: this.id,
      error: error.message,
      md5: "",
      sha256: undefined,
      checksums: {},
    });
  }

  receive(message: FromWorker): void {
    if (message.type === "ack") {
      if (message.error !== undefined) this.failure ??= new Error(message.error);
      this.free.push(message.buffer);
      this.maybeSync();
      const wake = this.waiter;
      this.waiter = undefined;
      wake?.();
    } else {
      this.done?.(message);
    }
  }

  /** Queues the chunk; returns a promise to wait on only when every buffer is with the worker. */
  write(chunk: Buffer): Promise<void> | undefined {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.failure) return Promise.reject(this.failure);
      if (!this.current) {
        const buffer = this.free.pop() ?? (this.buffers < BUFFERS_PER_UPLOAD ? this.allocate() : undefined);
        if (!buffer) return this.waitForBuffer().then(() => this.write(chunk.subarray(offset)));
        this.current = Buffer.from(buffer);
        this.filled = 0;
      }
      const n = chunk.copy(this.current, this.filled, offset);
      this.filled += n;
      offset += n;
      if (this.filled === this.current.length) this.send();
    }
    return undefined;
  }

  private allocate(): ArrayBuffer {
    this.buffers++;
    return this.owner.buffer();
  }

  private waitForBuffer(): Promise<void> {
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  private send(): void {
    const current = this.current!;
    this.current = undefined;
    const length = this.filled;
    this.written += length;
    const buffer = current.buffer as ArrayBuffer;
    this.worker.postMessage({ type: "data", id: this.id, buffer, length } satisfies ToWorker, [buffer]);
  }

  private maybeSync(): void {
    // `written` counts bytes handed over; syncing a little early only means the final fsync has a bit more.
    if (this.syncing || this.ended || this.written - this.syncedTo < EARLY_SYNC_EVERY) return;
    const upTo = this.written - BUFFERS_PER_UPLOAD * BUFFER_BYTES;
    this.syncing = this.file
      .datasync()
      .then(
        () => {
          this.syncedTo = Math.max(this.syncedTo, upTo);
        },
        (error: unknown) => {
          this.failure ??= error as Error;
        },
      )
      .finally(() => {
        this.syncing = undefined;
      });
  }

  /** Sends what is left and waits for the worker's digests; throws a write error. Safe to close the file after. */
  async end(): Promise<Digests> {
    if (this.current && this.filled > 0) this.send();
    this.ended = true;
    const result = await new Promise<Extract<FromWorker, { type: "done" }>>((resolve) => {
      this.done = resolve;
      this.worker.postMessage({ type: "end", id: this.id } satisfies ToWorker);
    });
    this.release();
    await this.syncing;
    if (this.failure) throw this.failure;
    if (result.error !== undefined) throw new Error(result.error);
    return { md5: Buffer.from(result.md5, "hex"), sha256: result.sha256, checksums: result.checksums };
  }

  /** Abandons the upload (the body failed): the worker forgets it; its remaining writes land in a discarded file. */
  async abort(): Promise<void> {
    if (!this.ended) {
      this.ended = true;
      // "end" is answered after every queued buffer: once it arrives the worker no longer uses the fd.
      await new Promise<void>((resolve) => {
        this.done = () => resolve();
        this.worker.postMessage({ type: "end", id: this.id } satisfies ToWorker);
      });
      this.release();
    }
    await this.syncing;
  }

  private release(): void {
    this.owner.finished(this.id);
    for (const buffer of this.free) this.owner.recycle(buffer);
    this.free = [];
  }
}
