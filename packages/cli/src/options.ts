/** Option value parsers shared by commands. */
import { InvalidArgumentError } from "commander";

/** commander's collector for repeatable options (`--pipelines a --pipelines b`). */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `a,b , c` → ["a", "b", "c"]. */
export function commaList(value: string): string[] {
  return value
    .split(",")
    .map((item) => item.trim())
    .filter((item) => item !== "");
}

export function positiveInt(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) < 1)
    throw new InvalidArgumentError("expected a positive integer");
  return Number(value);
}

/** Days, as `30d` or `30`. */
export function days(value: string): number {
  const match = /^([0-9]+)d?$/.exec(value);
  if (!match || Number(match[1]) < 1) throw new InvalidArgumentError("expected days, e.g. 30d");
  return Number(match[1]);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration in milliseconds, as `90s`, `30m`, `24h`, `7d` or `1500ms`; `0` alone is zero. */
export function duration(value: string): number {
  if (value === "0") return 0;
  const match = /^([0-9]+)(ms|s|m|h|d)$/.exec(value);
  const ms = match ? Number(match[1]) * DURATION_UNITS[match[2]!]! : Number.NaN;
  if (!Number.isSafeInteger(ms) || ms < 1)
    throw new InvalidArgumentError("expected a duration such as 90s, 30m, 24h or 7d (0: off)");
  return ms;
}

export function port(value: string): number {
  if (!/^[0-9]+$/.test(value) || Number(value) > 65_535)
    throw new InvalidArgumentError("expected a port number (0 = any free port)");
  return Number(value);
}

/** `NAME=VALUE` pairs collected into a record (repeatable). */
export function collectPair(
  value: string,
  previous: Record<string, string> | undefined,
): Record<string, string> {
  const equals = value.indexOf("=");
  if (equals <= 0) throw new InvalidArgumentError("expected NAME=VALUE");
  return { ...previous, [value.slice(0, equals)]: value.slice(equals + 1) };
}
