/**
 * Date values for the Date* operators: the W3C profile of ISO 8601 (YYYY, YYYY-MM, YYYY-MM-DD,
 * YYYY-MM-DDThh:mm[:ss[.s]]TZD) or epoch seconds. Parsed by hand so no engine-specific Date.parse quirk leaks in.
 */

const w3c =
  /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$/;

/** Milliseconds since the epoch, or undefined when the text is neither ISO 8601 nor epoch seconds. */
export function parseDateValue(text: string): number | undefined {
  const trimmed = text.trim();
  const match = w3c.exec(trimmed);
  if (match) {
    const [, year, month = "01", day = "01", hour = "00", minute = "00", second = "00", fraction = "", zone] =
      match;
    const y = Number(year);
    const mo = Number(month);
    const d = Number(day);
    const h = Number(hour);
    const mi = Number(minute);
    const s = Number(second);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
    const ms = fraction === "" ? 0 : Math.floor(Number(`0.${fraction}`) * 1000);
    let time = Date.UTC(y, mo - 1, d, h, mi, s, ms);
    if (new Date(time).getUTCDate() !== d) return undefined; // 2024-02-31
    if (zone !== undefined && zone !== "Z") {
      const sign = zone.startsWith("-") ? -1 : 1;
      const offset = Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6));
      time -= sign * offset * 60_000;
    }
    return time;
  }
  if (/^-?\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  return undefined;
}
