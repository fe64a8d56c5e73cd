import { realpathSync } from "node:fs";
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol";

/**
 * Resolves a client-supplied relative path under `root`, or throws FAWKES_PATH_ESCAPE (400).
 * Rejected: empty, absolute, NUL, backslashes (a Windows separator we refuse to guess about), `..` segments,
 * and anything that lands outside `root` — lexically or through a symbolic link in an existing ancestor
 * (or the target itself). Synchronous on purpose: a few realpath calls hit the dentry cache, and callers
 * can use it anywhere.
 */
export function safePath(root: string, relativePath: string): string {
  const reject = (why: string): never => {
    throw new FawkesError(ErrorCode.pathEscape, `path ${JSON.stringify(relativePath)} ${why}`);
  };
  if (relativePath === "") reject("is empty");
  if (relativePath.includes("\0")) reject("contains a NUL byte");
  if (relativePath.includes("\\")) reject("contains a backslash");
  if (isAbsolute(relativePath)) reject("is absolute");
  if (relativePath.split("/").includes("..")) reject("contains a '..' segment");

  const absoluteRoot = resolve(root);
  const target = resolve(absoluteRoot, relativePath);
  if (!isInside(absoluteRoot, target)) reject("escapes its root");

  const realRoot = realpathOfExistingPrefix(absoluteRoot);
  if (!isInside(realRoot, realpathOfExistingPrefix(target)))
    reject("escapes its root through a symbolic link");
  return target;
}

/** True when `path` is strictly below `root` (the root itself is not a file path). */
function isInside(root: string, path: string): boolean {
  return path.startsWith(root.endsWith(sep) ? root : root + sep);
}

/** The real path of the deepest existing ancestor of `path`, with the not-yet-existing rest appended. */
function realpathOfExistingPrefix(path: string): string {
  let existing = path;
  for (;;) {
    try {
      return join(realpathSync(existing), relative(existing, path));
    } catch (error) {
      const parent = dirname(existing);
      const code = (error as NodeJS.ErrnoException).code;
      if ((code !== "ENOENT" && code !== "ENOTDIR") || parent === existing) throw error;
      existing = parent;
    }
  }
}
