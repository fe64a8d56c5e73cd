/**
 * ANSI escape sequences of one console line → styled spans. Lines are parsed on their own (style starts reset
 * on each line) so the viewer can parse only the rows it shows, in any order.
 *
 * Supported: SGR (16, 256 and truecolor foreground/background, bold, dim, italic, underline, inverse,
 * strikethrough, resets), carriage return and backspace as a terminal would draw them (later text overwrites
 * earlier cells), erase-in-line (`CSI K`). Every other escape sequence (cursor movement, OSC titles and
 * links, charset selection, private modes) and every other control character is dropped.
 */

/** 0–255: palette index (0–15 are the theme's colours); a string: truecolor `#rrggbb`. */
export type AnsiColor = number | string;

export interface AnsiStyle {
  fg?: AnsiColor;
  bg?: AnsiColor;
  bold?: true;
  dim?: true;
  italic?: true;
  underline?: true;
  inverse?: true;
  strike?: true;
}

export interface AnsiSpan extends AnsiStyle {
  text: string;
}

const ESC = "\x1b";
// Matching control characters is the point here: lines without any take the fast path.
// eslint-disable-next-line no-control-regex
const PLAIN = /^[^\x00-\x08\x0a-\x1f\x7f]*$/;
const NO_STYLE: AnsiStyle = Object.freeze({});

/** Styled spans of one line (without its newline). Adjacent spans never share a style. */
export function parseAnsiLine(line: string): AnsiSpan[] {
  if (PLAIN.test(line)) return line === "" ? [] : [{ text: line }];
  const screen = new LineScreen();
  let style = NO_STYLE;
  let end = line.length;
  while (end > 0 && line.charCodeAt(end - 1) === 13) end--; // CRLF: a trailing CR draws nothing
  let textStart = 0;
  let i = 0;
  const flush = (upTo: number): void => {
    if (upTo > textStart) screen.write(line.slice(textStart, upTo), style);
  };
  while (i < end) {
    const code = line.charCodeAt(i);
    if (code >= 0x20 && code !== 0x7f) {
      i++;
      continue;
    }
    if (code === 9) {
      i++;
      continue;
    }
    flush(i);
    if (code === 0x1b) {
      const sequence = readEscape(line, i, end);
      if (sequence.kind === "sgr") style = applySgr(style, sequence.params);
      else if (sequence.kind === "erase") screen.erase(sequence.params);
      i = sequence.next;
    } else {
      if (code === 13) screen.carriageReturn();
      else if (code === 8) screen.backspace();
      i++;
    }
    textStart = i;
  }
  flush(end);
  return screen.spans();
}

/** The visible text of a line: what `parseAnsiLine` would show, without styles. */
export function stripAnsi(line: string): string {
  if (PLAIN.test(line)) return line;
  let text = "";
  for (const span of parseAnsiLine(line)) text += span.text;
  return text;
}

type Escape = { kind: "sgr" | "erase" | "other"; params: string; next: number };

/** Reads the escape sequence starting at `start` (an ESC); an unterminated one runs to the end of the line. */
function readEscape(line: string, start: number, end: number): Escape {
  const introducer = line[start + 1];
  if (introducer === undefined || start + 1 >= end) return { kind: "other", params: "", next: end };
  if (introducer === "[") {
    let i = start + 2;
    while (i < end) {
      const c = line.charCodeAt(i);
      if (c >= 0x40 && c <= 0x7e) break;
      if (c < 0x20 || c > 0x3f) return { kind: "other", params: "", next: i }; // malformed: drop what we read
      i++;
    }
    if (i >= end) return { kind: "other", params: "", next: end };
    const params = line.slice(start + 2, i);
    const final = line[i];
    const isPrivate = /^[<=>?]/.test(params);
    const kind = isPrivate ? "other" : final === "m" ? "sgr" : final === "K" ? "erase" : "other";
    return { kind, params, next: i + 1 };
  }
  if (
    introducer === "]" ||
    introducer === "P" ||
    introducer === "X" ||
    introducer === "^" ||
    introducer === "_"
  ) {
    // OSC, DCS, SOS, PM, APC: a string ended by BEL (OSC) or ST (ESC \).
    for (let i = start + 2; i < end; i++) {
      if (line.charCodeAt(i) === 7) return { kind: "other", params: "", next: i + 1 };
      if (line[i] === ESC && line[i + 1] === "\\") return { kind: "other", params: "", next: i + 2 };
    }
    return { kind: "other", params: "", next: end };
  }
  // nF (ESC, intermediates 0x20–0x2F, one final byte: charset selection) and two-byte sequences (ESC 7, ESC =).
  let i = start + 1;
  while (i < end && line.charCodeAt(i) >= 0x20 && line.charCodeAt(i) <= 0x2f) i++;
  return { kind: "other", params: "", next: Math.min(end, i + 1) };
}

/** SGR parameters (`1;31`, `38;5;196`, `38;2;1;2;3`, `38:2::1:2:3`) applied to a style; returns a new one. */
export function applySgr(style: AnsiStyle, params: string): AnsiStyle {
  const list = params === "" ? ["0"] : params.split(";");
  let next: AnsiStyle = { ...style };
  for (let i = 0; i < list.length; i++) {
    const param = list[i] ?? "";
    const parts = param.split(":");
    const code = parts[0] === "" ? 0 : Number(parts[0]);
    if (!Number.isInteger(code)) continue;
    if (code === 38 || code === 48 || code === 58) {
      let color: AnsiColor | undefined;
      if (parts.length > 1) color = extendedColor(parts.slice(1), true);
      else {
        const mode = list[i + 1];
        const take = mode === "5" ? 2 : mode === "2" ? 4 : 1;
        color = extendedColor(list.slice(i + 1, i + 1 + take), false);
        i += Math.min(take, list.length - i - 1);
      }
      if (color !== undefined && code === 38) next.fg = color;
      if (color !== undefined && code === 48) next.bg = color;
      continue; // 58 (underline colour) is parsed only to skip its arguments
    }
    next = applySimpleSgr(next, code, parts[1]);
  }
  return compact(next);
}

function applySimpleSgr(style: AnsiStyle, code: number, sub: string | undefined): AnsiStyle {
  if (code === 0) return {};
  if (code >= 30 && code <= 37) return { ...style, fg: code - 30 };
  if (code >= 90 && code <= 97) return { ...style, fg: code - 90 + 8 };
  if (code >= 40 && code <= 47) return { ...style, bg: code - 40 };
  if (code >= 100 && code <= 107) return { ...style, bg: code - 100 + 8 };
  const next = { ...style };
  switch (code) {
    case 1:
      next.bold = true;
      break;
    case 2:
      next.dim = true;
      break;
    case 3:
      next.italic = true;
      break;
    case 4:
      if (sub === "0") delete next.underline;
      else next.underline = true;
      break;
    case 7:
      next.inverse = true;
      break;
    case 9:
      next.strike = true;
      break;
    case 21:
      next.underline = true;
      break;
    case 22:
      delete next.bold;
      delete next.dim;
      break;
    case 23:
      delete next.italic;
      break;
    case 24:
      delete next.underline;
      break;
    case 27:
      delete next.inverse;
      break;
    case 29:
      delete next.strike;
      break;
    case 39:
      delete next.fg;
      break;
    case 49:
      delete next.bg;
      break;
  }
  return next;
}

/** `5;n` → palette index; `2;r;g;b` (colon form may carry an empty colour-space id first) → `#rrggbb`. */
function extendedColor(args: string[], colonForm: boolean): AnsiColor | undefined {
  const byte = (value: string | undefined): number | undefined => {
    if (value === undefined || value === "") return undefined;
    const n = Number(value);
    return Number.isInteger(n) && n >= 0 && n <= 255 ? n : undefined;
  };
  if (args[0] === "5") return byte(args[1]);
  if (args[0] !== "2") return undefined;
  const rgb = colonForm && args.length >= 5 ? args.slice(2, 5) : args.slice(1, 4);
  const [r, g, b] = rgb.map(byte);
  if (r === undefined || g === undefined || b === undefined) return undefined;
  return `#${hex(r)}${hex(g)}${hex(b)}`;
}

const hex = (n: number): string => n.toString(16).padStart(2, "0");

function compact(style: AnsiStyle): AnsiStyle {
  for (const key of Object.keys(style) as (keyof AnsiStyle)[])
    if (style[key] === undefined) delete style[key];
  return Object.keys(style).length === 0 ? NO_STYLE : style;
}

function sameStyle(a: AnsiStyle, b: AnsiStyle): boolean {
  if (a === b) return true;
  return (
    a.fg === b.fg &&
    a.bg === b.bg &&
    a.bold === b.bold &&
    a.dim === b.dim &&
    a.italic === b.italic &&
    a.underline === b.underline &&
    a.inverse === b.inverse &&
    a.strike === b.strike
  );
}

type Cell = { char: string; style: AnsiStyle };

/**
 * The cells of one terminal line. Text is appended as spans until the cursor moves back (CR, backspace) or
 * the line is erased; from then on it is kept as one cell per code point so later text overwrites earlier.
 */
class LineScreen {
  #spans: AnsiSpan[] = [];
  #cells: Cell[] | null = null;
  #cursor = 0;

  write(text: string, style: AnsiStyle): void {
    if (this.#cells === null) {
      const last = this.#spans.at(-1);
      if (last && sameStyle(last, style)) last.text += text;
      else this.#spans.push({ ...style, text });
      return;
    }
    for (const char of text) {
      while (this.#cells.length < this.#cursor) this.#cells.push({ char: " ", style: NO_STYLE });
      this.#cells[this.#cursor++] = { char, style };
    }
  }

  carriageReturn(): void {
    this.#toCells();
    this.#cursor = 0;
  }

  backspace(): void {
    this.#toCells();
    this.#cursor = Math.max(0, this.#cursor - 1);
  }

  /** CSI K: 0 (default) erases to the end of the line, 1 to the cursor, 2 the whole line. */
  erase(params: string): void {
    const cells = this.#toCells();
    const mode = params === "" ? 0 : Number(params);
    if (mode === 0) cells.length = Math.min(cells.length, this.#cursor);
    else if (mode === 1) {
      for (let i = 0; i <= this.#cursor && i < cells.length; i++) cells[i] = { char: " ", style: NO_STYLE };
    } else if (mode === 2) cells.length = 0;
  }

  spans(): AnsiSpan[] {
    if (this.#cells === null) return this.#spans;
    const spans: AnsiSpan[] = [];
    for (const cell of this.#cells) {
      const last = spans.at(-1);
      if (last && sameStyle(last, cell.style)) last.text += cell.char;
      else spans.push({ ...cell.style, text: cell.char });
    }
    return spans;
  }

  #toCells(): Cell[] {
    if (this.#cells === null) {
      const cells: Cell[] = [];
      for (const span of this.#spans) {
        const { text, ...style } = span;
        const shared = compact(style);
        for (const char of text) cells.push({ char, style: shared });
      }
      this.#cells = cells;
      this.#cursor = cells.length;
    }
    return this.#cells;
  }
}

/** CSS colour of a palette index (16–255: xterm's cube and grey ramp; 0–15: a neutral default theme). */
export function paletteColor(index: number): string {
  if (index < 16) return BASE_16[index] ?? "#000000";
  if (index < 232) {
    const n = index - 16;
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    return `#${hex(level(Math.floor(n / 36)))}${hex(level(Math.floor(n / 6) % 6))}${hex(level(n % 6))}`;
  }
  const grey = 8 + (index - 232) * 10;
  return `#${hex(grey)}${hex(grey)}${hex(grey)}`;
}

const BASE_16 = [
  "#000000",
  "#cd3131",
  "#0dbc79",
  "#e5e510",
  "#2472c8",
  "#bc3fbc",
  "#11a8cd",
  "#e5e5e5",
  "#666666",
  "#f14c4c",
  "#23d18b",
  "#f5f543",
  "#3b8eea",
  "#d670d6",
  "#29b8db",
  "#ffffff",
];
