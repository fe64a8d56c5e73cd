/**
 * A console log held compactly: the text in a few large strings ("blocks", each made of whole lines) and two
 * typed arrays giving, per line, its block and start offset. A 50 MB log costs about its own size in string
 * memory plus 8 bytes per line, and no per-line objects; lines are sliced out only when shown or searched.
 *
 * Text arrives in chunks that may end anywhere; the text after the last newline is the "partial" line,
 * shown as the last line and completed by later chunks.
 */
export class LineIndex {
  #blocks: string[] = [];
  #lineBlock = new Uint32Array(1024);
  #lineStart = new Uint32Array(1024);
  #complete = 0;
  #partialParts: string[] = [];
  #partial: string | null = "";
  #version = 0;

  /** Complete lines plus the partial line when it is not empty. */
  get lineCount(): number {
    return this.#complete + (this.#partialParts.length > 0 ? 1 : 0);
  }

  /** Lines ended by a newline. */
  get completeLines(): number {
    return this.#complete;
  }

  /** Changes whenever the content changes (cheap change detection for caches). */
  get version(): number {
    return this.#version;
  }

  /** Adds decoded text; lines may be split anywhere between chunks. */
  append(text: string): void {
    if (text === "") return;
    this.#version++;
    const lastNewline = text.lastIndexOf("\n");
    if (lastNewline < 0) {
      this.#partialParts.push(text);
      this.#partial = null;
      return;
    }
    // Joining the partial parts once per newline-bearing chunk keeps a very long line linear, not quadratic.
    const head = this.#partialParts.length > 0 ? this.#partialParts.join("") : "";
    const headLength = head.length;
    const block = headLength > 0 ? head + text.slice(0, lastNewline + 1) : text.slice(0, lastNewline + 1);
    const blockIndex = this.#blocks.length;
    this.#blocks.push(block);
    let start = 0;
    const end = block.length;
    while (start < end) {
      this.#push(blockIndex, start);
      start = block.indexOf("\n", start) + 1;
    }
    const rest = text.slice(lastNewline + 1);
    this.#partialParts = rest === "" ? [] : [rest];
    this.#partial = rest;
  }

  /** The text of line `index` (0-based), without its newline. */
  line(index: number): string {
    if (index < 0 || index >= this.lineCount) throw new RangeError(`no line ${index}`);
    if (index === this.#complete) {
      this.#partial ??= this.#partialParts.join("");
      return this.#partial;
    }
    const block = this.#blocks[this.#lineBlock[index] as number] as string;
    const start = this.#lineStart[index] as number;
    const sameBlockNext = index + 1 < this.#complete && this.#lineBlock[index + 1] === this.#lineBlock[index];
    const end = sameBlockNext ? (this.#lineStart[index + 1] as number) - 1 : block.length - 1;
    return block.slice(start, end);
  }

  /** Forgets the partial line (its text will be fetched again from its start). */
  dropPartialLine(): void {
    if (this.#partialParts.length === 0) return;
    this.#version++;
    this.#partialParts = [];
    this.#partial = "";
  }

  /** Forgets everything. */
  clear(): void {
    this.#blocks = [];
    this.#complete = 0;
    this.#partialParts = [];
    this.#partial = "";
    this.#version++;
  }

  #push(block: number, start: number): void {
    if (this.#complete === this.#lineStart.length) {
      const size = this.#lineStart.length * 2;
      const starts = new Uint32Array(size);
      starts.set(this.#lineStart);
      const blocks = new Uint32Array(size);
      blocks.set(this.#lineBlock);
      this.#lineStart = starts;
      this.#lineBlock = blocks;
    }
    this.#lineStart[this.#complete] = start;
    this.#lineBlock[this.#complete] = block;
    this.#complete++;
  }
}

/** `HH:MM:SS.mmm ` — the prefix the server puts on every line when `timestamps=true`. */
export const TIMESTAMP_PREFIX_LENGTH = 13;
const TIMESTAMP = /^\d\d:\d\d:\d\d\.\d\d\d $/;

/** Splits the server's timestamp prefix off a line (lines without one keep their text whole). */
export function splitTimestamp(line: string): { time: string | null; text: string } {
  if (line.length >= TIMESTAMP_PREFIX_LENGTH && TIMESTAMP.test(line.slice(0, TIMESTAMP_PREFIX_LENGTH))) {
    return { time: line.slice(0, TIMESTAMP_PREFIX_LENGTH - 1), text: line.slice(TIMESTAMP_PREFIX_LENGTH) };
  }
  return { time: null, text: line };
}
