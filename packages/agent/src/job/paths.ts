import { isAbsolute, relative, resolve, sep } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol/constants";

/**
 * Resolves `path` (relative, from the job or server) under `root`, refusing anything that would land
 * outside it (`..`, absolute paths). Every directory the server names goes through here.
 */
export function resolveInside(root: string, path: string, what: string): string {
  const base = resolve(root);
  const target = resolve(base, path);
  const rel = relative(base, target);
  if (isAbsolute(path) || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new FawkesError(ErrorCode.pathEscape, `${what} '${path}' escapes ${base}`);
  }
  return target;
}
