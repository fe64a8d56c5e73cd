/**
 * awscli's `--exclude`/`--include` filters: every file starts included, then each filter in command-line order
 * that matches the file's path (relative to the source directory) sets its fate, so later filters win.
 * Patterns are fnmatch globs: `*` matches any run of characters including `/`, `?` one character, `[seq]` and
 * `[!seq]` a character class.
 */

export interface PathFilter {
  kind: "exclude" | "include";
  pattern: string;
  /** Position on the command line across both options (commander keeps them in separate arrays). */
  order: number;
}

let nextOrder = 0;

/** commander argument parser for a repeatable `--exclude`/`--include` that remembers command-line order. */
export function collectFilter(kind: PathFilter["kind"]) {
  return (pattern: string, previous: PathFilter[] | undefined): PathFilter[] => [
    ...(previous ?? []),
    { kind, pattern, order: nextOrder++ },
  ];
}

export type PathPredicate = (relativePath: string) => boolean;

export function compileFilters(...lists: (PathFilter[] | undefined)[]): PathPredicate {
  const filters = lists
    .flatMap((list) => list ?? [])
    .sort((a, b) => a.order - b.order)
    .map((filter) => ({ include: filter.kind === "include", regex: globToRegExp(filter.pattern) }));
  return (relativePath) => {
    let included = true;
    for (const filter of filters) if (filter.regex.test(relativePath)) included = filter.include;
    return included;
  };
}

export function globToRegExp(pattern: string): RegExp {
  let source = "";
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === "*") source += "[\\s\\S]*";
    else if (char === "?") source += "[\\s\\S]";
    else if (char === "[") {
      const close = pattern.indexOf("]", index + 2);
      if (close === -1) source += "\\[";
      else {
        let body = pattern.slice(index + 1, close);
        const negate = body.startsWith("!");
        if (negate) body = body.slice(1);
        source += `[${negate ? "^" : ""}${body.replace(/[\\\]^]/g, "\\$&")}]`;
        index = close;
      }
    } else source += char.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}
