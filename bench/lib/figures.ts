import type { Summary } from "./stats.ts";

/** One printed figure: its samples' summary and the target from issue 2's Performance section. */
export interface Figure {
  id: string;
  label: string;
  unit: string;
  summary: Summary;
  samples: number[];
  /** Target: `max` (lower is better) or `min` (higher is better). */
  target: { max?: number; min?: number; text: string } | null;
  /** The peer's figure as stated in issue 2 / shared/bench/buildbot/README.md. */
  peer: string;
  note?: string;
}

/** Whether the median meets the target: "ok", "MISS" or "" (no target). */
export function verdict(figure: Figure): string {
  const { target, summary } = figure;
  if (target === null || Number.isNaN(summary.median)) return "";
  if (target.max !== undefined && summary.median > target.max) return "MISS";
  if (target.min !== undefined && summary.median < target.min) return "MISS";
  return "ok";
}

const format = (value: number, unit: string): string => {
  if (Number.isNaN(value)) return "—";
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
};

/** A plain-text table, one row per figure. */
export function renderTable(figures: readonly Figure[]): string {
  const header = ["figure", "median", "p90", "n", "target", "", "Buildbot (issue 2)"];
  const rows = figures.map((figure) => [
    figure.label,
    format(figure.summary.median, figure.unit),
    format(figure.summary.p90, figure.unit),
    String(figure.summary.n),
    figure.target?.text ?? "",
    verdict(figure),
    figure.peer,
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...rows].map((row) => (row[column] ?? "").length)),
  );
  const line = (row: string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((width) => "-".repeat(width))), ...rows.map(line)].join("\n");
}
