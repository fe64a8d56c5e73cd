/** Pure logic of the Buckets page: breadcrumbs of a prefix, names within a folder, sizes. */

export interface Crumb {
  /** The segment's text ("(empty)" for the nothing between two slashes of `a//b`). */
  label: string;
  /** The prefix this crumb opens. */
  prefix: string;
}

export const EMPTY_SEGMENT = "(empty)";

/**
 * One crumb per `/`-terminated segment of `prefix` (`a/b/` → `a/`, `a/b/`); a trailing segment without `/`
 * (a prefix typed by hand) is a last crumb of its own.
 */
export function prefixCrumbs(prefix: string): Crumb[] {
  const crumbs: Crumb[] = [];
  let start = 0;
  for (let slash = prefix.indexOf("/"); slash !== -1; slash = prefix.indexOf("/", start)) {
    crumbs.push({ label: prefix.slice(start, slash) || EMPTY_SEGMENT, prefix: prefix.slice(0, slash + 1) });
    start = slash + 1;
  }
  if (start < prefix.length) crumbs.push({ label: prefix.slice(start), prefix });
  return crumbs;
}

/** What a folder row or object row shows: the key (or common prefix) without the folder's own prefix. */
export function nameInFolder(key: string, prefix: string): string {
  const name = key.startsWith(prefix) ? key.slice(prefix.length) : key;
  return name === "" || name === "/" ? `${EMPTY_SEGMENT}/` : name;
}

/** `70.0 kB`-style sizes use powers of 1000; exact counts read `70,000 bytes`. */
export function formatSize(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB", "PB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 999.95 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

export function exactSize(bytes: number): string {
  return `${bytes.toLocaleString("en-US")} byte${bytes === 1 ? "" : "s"}`;
}
