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
