/**
 * Case-insensitive search in a console log: find the next/previous line holding the query (in slices, so a
 * search through a 50 MB log never blocks the page for long), and mark matches inside a visible line's spans.
 */
import type { AnsiSpan } from "./ansi.ts";

export type MarkedSpan = AnsiSpan & { mark?: true };

/** A literal, case-insensitive pattern for `query` (null for an empty query). */
export function queryPattern(query: string, global = false): RegExp | null {
  if (query === "") return null;
  return new RegExp(query.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"), global ? "gi" : "i");
}

/** Ranges [start, end) of every (non-overlapping) match of `query` in `text`. */
export function matchRanges(text: string, query: string): [number, number][] {
  const pattern = queryPattern(query, true);
  if (!pattern) return [];
  const ranges: [number, number][] = [];
  for (const match of text.matchAll(pattern)) ranges.push([match.index, match.index + match[0].length]);
  return ranges;
}

/** Splits spans so that the text inside `ranges` (sorted, non-overlapping) carries `mark: true`. */
export function markSpans(spans: AnsiSpan[], ranges: [number, number][]): MarkedSpan[] {
  if (ranges.length === 0) return spans;
  const out: MarkedSpan[] = [];
  let position = 0;
  let r = 0;
  for (const span of spans) {
    const spanEnd = position + span.text.length;
    let cursor = position;
    while (cursor < spanEnd) {
      while (r < ranges.length && (ranges[r] as [number, number])[1] <= cursor) r++;
      const range = ranges[r];
      if (!range || range[0] >= spanEnd) {
        out.push(piece(span, cursor - position, spanEnd - position, false));
        cursor = spanEnd;
      } else if (range[0] > cursor) {
        out.push(piece(span, cursor - position, range[0] - position, false));
        cursor = range[0];
      } else {
        const end = Math.min(range[1], spanEnd);
        out.push(piece(span, cursor - position, end - position, true));
        cursor = end;
      }
    }
    position = spanEnd;
  }
  return out;
}

function piece(span: AnsiSpan, from: number, to: number, mark: boolean): MarkedSpan {
  const text = from === 0 && to === span.text.length ? span.text : span.text.slice(from, to);
  return mark ? { ...span, text, mark: true } : { ...span, text };
}

export type SearchStep = { done: true; line: number | null } | { done: false };

/**
 * Looks for the next line (in `direction`, wrapping around, starting at `start` itself) whose text holds the
 * query. Call `step` repeatedly with a line budget; it answers `done` once found or after every line was seen.
 */
export class LineSearch {
  readonly #textOf: (line: number) => string;
  readonly #count: number;
  readonly #pattern: RegExp | null;
  readonly #direction: 1 | -1;
  #line: number;
  #seen = 0;

  constructor(options: {
    textOf: (line: number) => string;
    count: number;
    query: string;
    start: number;
    direction: 1 | -1;
  }) {
    this.#textOf = options.textOf;
    this.#count = options.count;
    this.#pattern = queryPattern(options.query);
    this.#direction = options.direction;
    this.#line = options.count === 0 ? 0 : mod(options.start, options.count);
  }

  step(maxLines: number): SearchStep {
    if (!this.#pattern || this.#count === 0) return { done: true, line: null };
    const stop = Math.min(this.#count, this.#seen + maxLines);
    while (this.#seen < stop) {
      const line = this.#line;
      this.#seen++;
      this.#line = mod(line + this.#direction, this.#count);
      if (this.#pattern.test(this.#textOf(line))) return { done: true, line };
    }
    return this.#seen >= this.#count ? { done: true, line: null } : { done: false };
  }
}

const mod = (n: number, m: number): number => ((n % m) + m) % m;
