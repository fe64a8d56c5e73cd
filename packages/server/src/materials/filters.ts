import picomatch from "picomatch";

/** A git material's file filter, as in GoCD: `filter: { ignore: [...] }` or `filter: { includes: [...] }`. */
export interface MaterialFilter {
  /** Ant-style globs; a change made only of files matching these does not trigger. */
  ignore?: readonly string[];
  /** Ant-style globs; only a change touching a file matching one of these triggers. */
  includes?: readonly string[];
}

type Matcher = (path: string) => boolean;

const compiled = new Map<string, Matcher>();

/**
 * GoCD's rule for whether a set of changed files triggers the material:
 * - with `includes`: trigger when some changed file matches an include (and, if `ignore` is also given,
 *   is not ignored);
 * - with `ignore` only: trigger unless every changed file matches an ignore glob;
 * - without either, or with no changed files at all (an empty commit), trigger — as GoCD does, since
 *   nothing shows the change to be irrelevant.
 *
 * Globs follow Ant/GoCD: `*` stays within one directory (`*.txt` matches top-level files only), `**`
 * spans directories (`**\/*.md` matches at any depth, including the top), a trailing `/` means everything
 * below (`docs/` = `docs/**`), and dot files are matched like any other.
 */
export function shouldTrigger(changedFiles: readonly string[], filter: MaterialFilter): boolean {
  const includes = filter.includes ?? [];
  const ignore = filter.ignore ?? [];
  if (changedFiles.length === 0) return true;
  const ignored = matcher(ignore);
  if (includes.length > 0) {
    const included = matcher(includes);
    return changedFiles.some((file) => included(normalizePath(file)) && !ignored(normalizePath(file)));
  }
  if (ignore.length > 0) return !changedFiles.every((file) => ignored(normalizePath(file)));
  return true;
}

function matcher(globs: readonly string[]): Matcher {
  if (globs.length === 0) return () => false;
  const key = JSON.stringify(globs);
  let match = compiled.get(key);
  if (!match) {
    match = picomatch(globs.map(antToPicomatch), { dot: true });
    // Filters change only with config; the cap just keeps a long-running server from growing without bound.
    if (compiled.size >= 1000) compiled.clear();
    compiled.set(key, match);
  }
  return match;
}

function antToPicomatch(glob: string): string {
  let pattern = normalizePath(glob.trim());
  if (pattern.endsWith("/")) pattern += "**";
  return pattern;
}

function normalizePath(path: string): string {
  return path.replace(/\\/g, "/").replace(/^\.\//, "").replace(/^\/+/, "");
}
