import { realpathSync } from "node:fs";
import { resolve as resolvePath } from "node:path";
import { fileURLToPath } from "node:url";

const defaultPorts: Record<string, string> = { "http:": "80", "https:": "443", "ssh:": "22", "git:": "9418" };

/** `user@host:path` (scp-like ssh), told apart from a local path that merely contains a colon after a slash. */
const scpLike = /^(?:[^@/]+@)?([^/:]+):(?!\/\/)(.+)$/;

/**
 * A comparable form of a repository URL: the scheme and credentials drop out, so every way to spell one
 * hosted repository gives one string — `https://github.com/a/b.git`, `git@github.com:a/b.git`,
 * `ssh://git@github.com/a/b` and `https://user:pw@github.com/a/b/` all become `github.com/a/b`. The host
 * is lower-cased and a port is kept only when it is not the scheme's default. Local paths and `file://`
 * URLs become `file://<absolute real path>` (without a trailing `/.git`).
 */
export function normalizeRepoUrl(url: string): string {
  const trimmed = url.trim();
  const schemeMatch = /^([a-z][a-z0-9+.-]*):\/\//i.exec(trimmed);
  if (schemeMatch) {
    const scheme = schemeMatch[1]!.toLowerCase();
    if (scheme === "file") return localForm(fileUrlPath(trimmed));
    try {
      const parsed = new URL(trimmed.replace(/^(git\+ssh|ssh\+git):/i, "ssh:"));
      const port = parsed.port && parsed.port !== defaultPorts[parsed.protocol] ? `:${parsed.port}` : "";
      return `${parsed.hostname.toLowerCase()}${port}/${repoPath(decodeURIComponent(parsed.pathname))}`;
    } catch {
      return trimmed;
    }
  }
  const scp = scpLike.exec(trimmed);
  if (scp && !trimmed.startsWith("/") && !trimmed.startsWith(".")) {
    return `${scp[1]!.toLowerCase()}/${repoPath(scp[2]!)}`;
  }
  return localForm(trimmed);
}

/** True when two URLs name the same repository (see {@link normalizeRepoUrl}). */
export function sameRepo(a: string, b: string): boolean {
  return normalizeRepoUrl(a) === normalizeRepoUrl(b);
}

function repoPath(path: string): string {
  return path
    .replace(/^\/+/, "")
    .replace(/\/+$/, "")
    .replace(/\.git$/, "")
    .replace(/\/+$/, "");
}

function fileUrlPath(url: string): string {
  try {
    return fileURLToPath(url);
  } catch {
    return url.replace(/^file:\/\//i, "");
  }
}

function localForm(path: string): string {
  let absolute = resolvePath(path);
  try {
    // Symlinked temp dirs and the like should still compare equal to their target.
    absolute = realpathSync.native(absolute);
  } catch {
    // A path that does not exist (yet) compares by its resolved spelling.
  }
  return `file://${absolute.replace(/\/+$/, "").replace(/\/\.git$/, "") || "/"}`;
}
