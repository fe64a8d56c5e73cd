/**
 * Parsed rows for the viewer: the timestamp split off and the ANSI spans, computed only for rows on screen
 * and kept in a small LRU cache (complete lines never change; the partial last line is never cached).
 */
import { parseAnsiLine, stripAnsi, type AnsiSpan } from "./ansi.ts";
import { splitTimestamp, type LineIndex } from "./line-index.ts";

export interface ParsedRow {
  time: string | null;
  spans: AnsiSpan[];
  /** Visible text (what search matches against). */
  plain: string;
  /** Characters cut off a very long line. */
  truncated: number;
}

/** Longer lines are cut when drawn (the whole line stays searchable and in the raw download). */
export const MAX_RENDERED_CHARS = 4000;

export class RowCache {
  readonly #capacity: number;
  #lines: LineIndex | null = null;
  #rows = new Map<number, ParsedRow>();

  constructor(capacity = 600) {
    this.#capacity = capacity;
  }

  get(lines: LineIndex, index: number): ParsedRow {
    if (lines !== this.#lines) {
      this.#lines = lines;
      this.#rows.clear();
    }
    const cached = this.#rows.get(index);
    if (cached) {
      this.#rows.delete(index);
      this.#rows.set(index, cached);
      return cached;
    }
    const row = parseRow(lines.line(index));
    if (index < lines.completeLines) {
      this.#rows.set(index, row);
      if (this.#rows.size > this.#capacity) this.#rows.delete(this.#rows.keys().next().value as number);
    }
    return row;
  }
}

export function parseRow(line: string): ParsedRow {
  const { time, text } = splitTimestamp(line);
  const long = text.length > MAX_RENDERED_CHARS * 2;
  // Parse a bounded prefix of a huge line: escape codes make the visible text shorter than the raw text.
  const spans = parseAnsiLine(long ? text.slice(0, MAX_RENDERED_CHARS * 2) : text);
  let plain = "";
  const kept: AnsiSpan[] = [];
  for (const span of spans) {
    const room = MAX_RENDERED_CHARS - plain.length;
    if (room <= 0) break;
    const piece = span.text.length > room ? { ...span, text: span.text.slice(0, room) } : span;
    kept.push(piece);
    plain += piece.text;
  }
  const visibleLength = long ? stripAnsi(text).length : spans.reduce((n, s) => n + s.text.length, 0);
  return { time, spans: kept, plain, truncated: Math.max(0, visibleLength - plain.length) };
}

/** Visible text of a line without its timestamp (what search looks at). */
export function searchableText(line: string): string {
  return stripAnsi(splitTimestamp(line).text);
}
