/** Plain-text tables and JSON printing shared by commands. */
import type { CliIo } from "./io.ts";

export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Left-aligned columns separated by two spaces; the header is upper-case. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers.map((header) => header.toUpperCase())), ...rows.map(line)].join("\n") + "\n";
}

/** "3s ago", "5m ago" — for heartbeats and run times in tables. */
export function ago(epochMs: number | null, now = Date.now()): string {
  if (epochMs === null) return "never";
  const seconds = Math.max(0, Math.round((now - epochMs) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.round(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.round(seconds / 3600)}h ago`;
  return `${Math.round(seconds / 86_400)}d ago`;
}

/** A list command's output: `--json` prints the rows, otherwise a table of `cells`, or `empty` when none. */
export function printRows<T>(
  io: CliIo,
  rows: readonly T[],
  options: { json: boolean; empty: string; headers: string[]; cells: (row: T) => string[] },
): void {
  if (options.json) printJson(io, rows);
  else if (rows.length === 0) io.out(`${options.empty}\n`);
  else io.out(formatTable(options.headers, rows.map(options.cells)));
}
