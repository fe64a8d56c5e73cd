import type { Dirent } from "node:fs";
import { open, readdir, readFile, realpath, stat } from "node:fs/promises";
import { basename, join, relative, sep } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { remoteDefaultBranch } from "./git.ts";
import { GitMirror, isBareRepo, type RepoFile } from "./git-mirror.ts";
import { redactUrl } from "./redact.ts";

/** The pipeline files found in one `--pipelines` source. */
export interface ConfigSourceSnapshot {
  source: string;
  /** The commit the files were read at; null for a local directory. */
  revision: string | null;
  files: RepoFile[];
}

export interface ReadConfigSourceOptions {
  /** Where config repositories are mirrored (a {@link GitMirror} root). */
  mirrorRoot: string;
  /** A shared mirror cache (its root should be `mirrorRoot`), so concurrent reads of one repository coalesce. */
  mirror?: GitMirror;
  /** A file larger than this is not read: it is listed with its size and no text. @default Infinity */
  maxFileBytes?: number;
}

const skippedDirs = new Set(["node_modules", ".git"]);

/** True for `*.gocd.yaml` and `*.gocd.yml`, the files GoCD's YAML plugin reads. */
export function isPipelineFile(path: string): boolean {
  return /\.gocd\.ya?ml$/.test(path);
}

/**
 * Reads the pipeline files of a source: a local directory (scanned recursively, skipping node_modules and
 * .git, never following a symlink out of it; paths relative to it), or else a git repository URL, optionally
 * `URL#branch` (default: the remote's default branch), read at the branch head from a mirror, with paths
 * `<repository name>/<path>`. A bare repository directory counts as a git repository.
 */
export async function readConfigSource(
  source: string,
  options: ReadConfigSourceOptions,
): Promise<ConfigSourceSnapshot> {
  const maxFileBytes = options.maxFileBytes ?? Infinity;
  if ((await isDirectory(source)) && !(await isBareRepo(source))) {
    return { source, revision: null, files: await readDirectory(source, maxFileBytes) };
  }
  return readRepository(source, options.mirror ?? new GitMirror(options.mirrorRoot), maxFileBytes);
}

async function readDirectory(dir: string, maxFileBytes: number): Promise<RepoFile[]> {
  const root = await realpath(dir);
  const files: RepoFile[] = [];
  const visited = new Set<string>([root]);
  const walk = async (realDir: string, shownDir: string): Promise<void> => {
    const entries: Dirent[] = await readdir(realDir, { withFileTypes: true });
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const entry of entries) {
      if (entry.isDirectory() && skippedDirs.has(entry.name)) continue;
      const shownPath = shownDir === "" ? entry.name : `${shownDir}/${entry.name}`;
      let target = join(realDir, entry.name);
      let isDir = entry.isDirectory();
      if (entry.isSymbolicLink()) {
        const resolved = await realpath(target).catch(() => null);
        if (resolved === null || !isInside(root, resolved)) continue;
        target = resolved;
        isDir = (await stat(resolved)).isDirectory();
        if (!isDir && !(await stat(resolved)).isFile()) continue;
      } else if (!isDir && !entry.isFile()) continue;
      if (isDir) {
        // A symlink back up the tree would otherwise loop forever.
        if (visited.has(target) || skippedDirs.has(entry.name)) continue;
        visited.add(target);
        await walk(target, shownPath);
      } else if (isPipelineFile(entry.name)) {
        files.push({ path: shownPath, ...(await readLimited(target, maxFileBytes)) });
      }
    }
  };
  await walk(root, "");
  return files;
}

/** The file's text, or only its size when it is over `maxBytes` (one descriptor: the size is the file's read). */
async function readLimited(file: string, maxBytes: number): Promise<{ text: string; size?: number }> {
  const handle = await open(file, "r");
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) return { text: "", size };
    return { text: await handle.readFile("utf8") };
  } finally {
    await handle.close();
  }
}

async function readRepository(
  source: string,
  mirror: GitMirror,
  maxFileBytes: number,
): Promise<ConfigSourceSnapshot> {
  const { url, branch: askedBranch } = splitBranch(source);
  const repo = await mirror.ensure(url);
  const branch = askedBranch ?? (await defaultBranch(url, repo.dir));
  const revision = await repo.resolve(`refs/heads/${branch}`);
  if (revision === null) {
    throw new FawkesError(
      ErrorCode.configInvalid,
      `branch ${branch} not found in config repository ${redactUrl(url)}`,
    );
  }
  const name = repositoryName(url);
  const files = await repo.readFiles(revision, isPipelineFile, maxFileBytes);
  return {
    source,
    revision,
    files: files.map((file) => ({ ...file, path: `${name}/${file.path}` })),
  };
}

/** `URL#branch` → its parts. The `#` must come after the last `/`, so a `#` inside a path stays part of it. */
function splitBranch(source: string): { url: string; branch: string | null } {
  const hash = source.lastIndexOf("#");
  if (hash < 0 || hash < source.lastIndexOf("/")) return { url: source, branch: null };
  const branch = source.slice(hash + 1);
  return { url: source.slice(0, hash), branch: branch.length > 0 ? branch : null };
}

async function defaultBranch(url: string, mirrorDir: string): Promise<string> {
  // A mirror's HEAD is set from the remote's at clone time; ask the remote in case it changed since.
  const remote = await remoteDefaultBranch(url).catch(() => null);
  if (remote !== null) return remote;
  const head = await readFile(join(mirrorDir, "HEAD"), "utf8").catch(() => "");
  const match = /^ref: refs\/heads\/(\S+)/.exec(head);
  if (match?.[1]) return match[1];
  throw new FawkesError(
    ErrorCode.configInvalid,
    `config repository ${redactUrl(url)} has no default branch; name one as URL#branch`,
  );
}

/** `https://host/org/pipelines.git` → `pipelines`; `/srv/repos/config/` → `config`. */
function repositoryName(url: string): string {
  const path = url.replace(/[?#].*$/, "").replace(/[/\\]+$/, "");
  const last = basename(path.includes(":") && !path.includes("/") ? path.slice(path.indexOf(":") + 1) : path);
  return last.replace(/\.git$/, "") || "repository";
}

function isInside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || (!rel.startsWith(`..${sep}`) && rel !== ".." && !rel.startsWith(sep));
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
