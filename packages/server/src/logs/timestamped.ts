/**
 * Renders a console log with each line prefixed by `HH:MM:SS.mmm ` (UTC): the time of the last index entry at
 * or before the line's first byte (an append batch's time, or a line's own time when the agent sent line
 * times). Streams both the log and its index, so memory stays flat for any size.
 */
import { open, type FileHandle } from "node:fs/promises";
import { readRange } from "./read-range.ts";

/** One index entry: byte offset of the batch in console.log, then its epoch-ms time; both float64 LE. */
export const INDEX_ENTRY_BYTES = 16;
const INDEX_READ_ENTRIES = 4096;
const NEWLINE = 0x0a;
/** `HH:MM:SS.mmm ` */
const PREFIX_BYTES = 13;
const SHORT_LINE_BYTES = 64;

export function encodeIndexEntry(offset: number, time: number): Buffer {
  const entry = Buffer.allocUnsafe(INDEX_ENTRY_BYTES);
  entry.writeDoubleLE(offset, 0);
  entry.writeDoubleLE(time, 8);
  return entry;
}

/** Lines from `offset` (taken to be the start of a line) to the current end of the log. */
export async function* timestampedLines(
  logPath: string,
  indexPath: string,
  offset: number,
): AsyncGenerator<Buffer> {
  const batches = await BatchTimes.open(indexPath);
  try {
    const prefixer = new LinePrefixer((position) => batches.at(position));
    let position = offset;
    for await (const chunk of readRange(logPath, offset)) {
      await batches.loadThrough(position + chunk.length);
      yield prefixer.render(chunk, position);
      position += chunk.length;
    }
  } finally {
    await batches.close();
  }
}

/**
 * Inserts the time prefix at every line start, carrying "at line start" across chunks. A plain class with
 * tight loops (kept out of the async generator, which V8 optimises poorly): short lines are copied byte by
 * byte, because a native call per line costs more than the copy when a log is full of progress dots.
 */
class LinePrefixer {
  readonly #timeAt: (position: number) => number;
  #atLineStart = true;
  #lastTime = NaN;
  #prefix = Buffer.alloc(PREFIX_BYTES);

  constructor(timeAt: (position: number) => number) {
    this.#timeAt = timeAt;
  }

  render(chunk: Buffer, position: number): Buffer {
    const output = Buffer.allocUnsafe(chunk.length + (countNewlines(chunk) + 1) * PREFIX_BYTES);
    let written = 0;
    let start = 0;
    while (start < chunk.length) {
      if (this.#atLineStart) {
        const prefix = this.#prefixAt(position + start);
        for (let index = 0; index < PREFIX_BYTES; index++) output[written++] = prefix[index]!;
        this.#atLineStart = false;
      }
      const newline = chunk.indexOf(NEWLINE, start);
      const end = newline === -1 ? chunk.length : newline + 1;
      if (end - start < SHORT_LINE_BYTES) {
        for (let index = start; index < end; index++) output[written++] = chunk[index]!;
      } else {
        written += chunk.copy(output, written, start, end);
      }
      this.#atLineStart = newline !== -1;
      start = end;
    }
    return output.subarray(0, written);
  }

  #prefixAt(position: number): Buffer {
    const time = this.#timeAt(position);
    if (time !== this.#lastTime) {
      this.#lastTime = time;
      // An index entry is written by append() from a finite time; a torn or foreign one renders as 00:00.
      const date = new Date(Number.isFinite(time) ? time : 0);
      this.#prefix = Buffer.from(date.toISOString().slice(11, 23) + " ");
    }
    return this.#prefix;
  }
}

function countNewlines(chunk: Buffer): number {
  let count = 0;
  for (let index = 0; index < chunk.length; index++) if (chunk[index] === NEWLINE) count++;
  return count;
}

/** A forward-only cursor over console.idx that keeps only the entries still ahead of the reader. */
class BatchTimes {
  readonly #handle: FileHandle | null;
  #filePosition = 0;
  #eof: boolean;
  #offsets: number[] = [];
  #times: number[] = [];
  #current = 0;

  private constructor(handle: FileHandle | null) {
    this.#handle = handle;
    this.#eof = handle === null;
  }

  static async open(path: string): Promise<BatchTimes> {
    try {
      return new BatchTimes(await open(path, "r"));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return new BatchTimes(null);
      throw error;
    }
  }

  /** Loads every entry for bytes before `end`, plus one beyond when there is one. */
  async loadThrough(end: number): Promise<void> {
    this.#offsets.splice(0, this.#current);
    this.#times.splice(0, this.#current);
    this.#current = 0;
    while (!this.#eof && (this.#offsets.length === 0 || this.#offsets[this.#offsets.length - 1]! < end)) {
      const buffer = Buffer.allocUnsafe(INDEX_ENTRY_BYTES * INDEX_READ_ENTRIES);
      const { bytesRead } = await this.#handle!.read(buffer, 0, buffer.length, this.#filePosition);
      const entries = Math.floor(bytesRead / INDEX_ENTRY_BYTES);
      // Fewer bytes than one entry: the end, or a torn last entry from a crash, which we ignore.
      if (entries === 0) this.#eof = true;
      for (let entry = 0; entry < entries; entry++) {
        this.#offsets.push(buffer.readDoubleLE(entry * INDEX_ENTRY_BYTES));
        this.#times.push(buffer.readDoubleLE(entry * INDEX_ENTRY_BYTES + 8));
      }
      this.#filePosition += entries * INDEX_ENTRY_BYTES;
    }
  }

  /** Time of the batch holding byte `position`; positions only move forward. 0 without an index. */
  at(position: number): number {
    while (this.#current + 1 < this.#offsets.length && this.#offsets[this.#current + 1]! <= position) {
      this.#current++;
    }
    return this.#times[this.#current] ?? 0;
  }

  async close(): Promise<void> {
    await this.#handle?.close();
  }
}
