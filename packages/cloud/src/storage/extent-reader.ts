import { open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import type { Extent } from "./object-record.ts";

const CHUNK = 1024 * 1024;

/** Reads up to `length` bytes of an object's data at `position` into `buffer`; 0 at the end. */
export type ReadAt = (buffer: Buffer, length: number, position: number) => Promise<number>;

/**
 * Positional reads over an object stored as consecutive part files in `dir`. The part holding a position is
 * opened when a read first needs it and stays open for the reads that follow (sequential reads open each part
 * once). The caller keeps the files in place until `close`.
 */
export class ExtentReader {
  readonly #dir: string;
  readonly #extents: readonly Extent[];
  /** Offset of each extent in the object. */
  readonly #starts: number[] = [];
  #openIndex = -1;
  #file: FileHandle | undefined;

  constructor(dir: string, extents: readonly Extent[]) {
    this.#dir = dir;
    this.#extents = extents;
    let offset = 0;
    for (const extent of extents) {
      this.#starts.push(offset);
      offset += extent.size;
    }
  }

  readonly readAt: ReadAt = async (buffer, length, position) => {
    const index = this.#extentAt(position);
    if (index === -1) return 0;
    const file = await this.#fileOf(index);
    const within = position - this.#starts[index]!;
    const { bytesRead } = await file.read(
      buffer,
      0,
      Math.min(length, this.#extents[index]!.size - within),
      within,
    );
    return bytesRead;
  };

  async close(): Promise<void> {
    const file = this.#file;
    this.#file = undefined;
    this.#openIndex = -1;
    await file?.close();
  }

  /** Index of the extent holding `position` (binary search), or -1 past the end. */
  #extentAt(position: number): number {
    let low = 0;
    let high = this.#extents.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const start = this.#starts[middle]!;
      if (position < start) high = middle - 1;
      else if (position >= start + this.#extents[middle]!.size) low = middle + 1;
      else return middle;
    }
    return -1;
  }

  async #fileOf(index: number): Promise<FileHandle> {
    if (index !== this.#openIndex || this.#file === undefined) {
      await this.close();
      this.#file = await open(join(this.#dir, this.#extents[index]!.file), "r");
      this.#openIndex = index;
    }
    return this.#file;
  }
}

/** The bytes `start..end` (inclusive) as a stream, read a chunk at a time through `readAt`. */
export function readRange(readAt: ReadAt, start: number, end: number): Readable {
  async function* chunks(): AsyncGenerator<Buffer> {
    for (let position = start; position <= end;) {
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK, end - position + 1));
      const read = await readAt(buffer, buffer.length, position);
      if (read === 0) throw new Error("the object's data ended before its recorded size");
      yield read === buffer.length ? buffer : buffer.subarray(0, read);
      position += read;
    }
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: CHUNK });
}
