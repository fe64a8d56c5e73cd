import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { assertBranchName, assertGitUrl, gitFailure, runGit, runGitRaw } from "./git.ts";
import { redactUrl, splitCredentials } from "./redact.ts";

/**
 * History between two full shas never changes: `git log` answers are kept (bounded). An answer shorter than
 * its limit is the whole range, so it also serves any other limit (a trigger reads up to 1,000 commits for
 * its filters, then run creation up to 100: one `git log`).
 */
const historyCache = new Map<string, { commits: MaterialCommit[]; limit: number }>();
/** `dir\nsha` of commits seen in a mirror (a mirror never loses objects it fetched). */
const present = new Set<string>();
function notePresent(dir: string, sha: string): void {
  if (present.size >= 10_000) present.clear();
  present.add(`${dir}\n${sha}`);
}

/** One commit as the material layer reports it. */
export interface MaterialCommit {
  sha: string;
  subject: string;
  /** `Name <email>` of the author. */
  author: string;
  /** Commit time, UTC epoch milliseconds. */
  time: number;
  /** Paths the commit changed (for a merge: relative to its first parent). */
  files: string[];
}

export interface RepoFile {
  path: string;
  /** Empty for a file that was not read (see `size`). */
  text: string;
  /** Set only for a file that was not read, being larger than the limit it was read with: its size in bytes. */
  size?: number;
}

export interface GitMirrorOptions {
  /** Limit for a first `clone --mirror`. @default 600000 */
  cloneTimeoutMs?: number;
  /** Limit for a `fetch --prune`. @default 300000 */
  fetchTimeoutMs?: number;
}

/** Git's own auto-maintenance (packing loose objects, etc.) runs after this many fetches of a mirror. */
const MAINTAIN_EVERY = 50;

const fullSha = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

/**
 * A cache of bare mirrors, one per repository URL, under `<root>/<first 16 hex of sha256(url)>.git`, the URL
 * taken without credentials: a mirror's name and its `remote.origin.url` never hold a password, and git gets
 * the credentials from memory on every clone and fetch ({@link runGit}'s `credentials`).
 * `ensure(url)` clones or fetches and hands back a {@link MirrorRepo} to read commits and files from.
 * Concurrent `ensure()` calls for one URL share one git process.
 */
export class GitMirror {
  readonly root: string;
  readonly #options: Required<GitMirrorOptions>;
  readonly #inFlight = new Map<string, Promise<MirrorRepo>>();
  /** Fetches per mirror since its last background maintenance. */
  readonly #fetches = new Map<string, number>();

  constructor(root: string, options: GitMirrorOptions = {}) {
    this.root = root;
    this.#options = {
      cloneTimeoutMs: options.cloneTimeoutMs ?? 600_000,
      fetchTimeoutMs: options.fetchTimeoutMs ?? 300_000,
    };
  }

  /** Deletes, once per process, mirrors an older Fawkes cloned with credentials in their remote URL. */
  #swept: Promise<void> | undefined;

  /** The mirror directory for a URL (whether or not it exists yet); credentials in the URL do not count. */
  dirFor(url: string): string {
    const bare = splitCredentials(url).url;
    return join(this.root, `${createHash("sha256").update(bare).digest("hex").slice(0, 16)}.git`);
  }

  /** A handle on the mirror of `url` without fetching; its reads fail if `ensure()` never ran. */
  repo(url: string): MirrorRepo {
    return new MirrorRepo(url, this.dirFor(url));
  }

  /**
   * Clones the mirror the first time, fetches (with prune) afterwards. A call made while a fetch of the same
   * URL runs joins that fetch; pass `want` (a sha) to fetch once more if the joined fetch started too early
   * to bring that commit. With a full sha the mirror already holds, no fetch happens at all.
   */
  async ensure(url: string, want?: string): Promise<MirrorRepo> {
    assertGitUrl(url);
    await (this.#swept ??= removeCredentialedMirrors(this.root));
    // The commit is already here: no fetch (a full sha names one commit forever).
    if (want !== undefined && fullSha.test(want)) {
      const repo = this.repo(url);
      if (present.has(`${repo.dir}\n${want}`)) return repo;
      if ((await isBareRepo(repo.dir)) && (await repo.hasCommit(want))) return repo;
    }
    const repo = await this.#coalescedUpdate(url);
    if (want !== undefined && !(await repo.hasCommit(want))) return this.#coalescedUpdate(url);
    return repo;
  }

  #coalescedUpdate(url: string): Promise<MirrorRepo> {
    const running = this.#inFlight.get(url);
    if (running) return running;
    const update = this.#update(url).finally(() => this.#inFlight.delete(url));
    this.#inFlight.set(url, update);
    return update;
  }

  async #update(url: string): Promise<MirrorRepo> {
    const dir = this.dirFor(url);
    const remote = splitCredentials(url);
    const auth = { credentials: remote.credentials, credentialsFor: remote.url };
    if (await isBareRepo(dir)) {
      // Without the `git maintenance run --auto` that every fetch would start before exiting: a process on
      // the path from push to first task. It runs in the background every MAINTAIN_EVERY fetches instead.
      const fetch = await runGit(["-c", "maintenance.auto=false", "fetch", "--prune", "--quiet", "origin"], {
        cwd: dir,
        timeoutMs: this.#options.fetchTimeoutMs,
        ...auth,
      });
      if (fetch.code !== 0) throw unreachable(url, fetch.stderr);
      const fetches = (this.#fetches.get(dir) ?? 0) + 1;
      this.#fetches.set(dir, fetches % MAINTAIN_EVERY);
      if (fetches === MAINTAIN_EVERY)
        void runGit(["maintenance", "run", "--auto", "--quiet"], { cwd: dir }).catch(() => {});
      return new MirrorRepo(url, dir);
    }
    // Clone beside the final place and rename, so a crash mid-clone never leaves a half mirror behind.
    await mkdir(this.root, { recursive: true });
    await rm(dir, { recursive: true, force: true });
    const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
    const clone = await runGit(["clone", "--mirror", "--quiet", "--", remote.url, partial], {
      timeoutMs: this.#options.cloneTimeoutMs,
      ...auth,
    });
    if (clone.code !== 0) {
      await rm(partial, { recursive: true, force: true });
      throw unreachable(url, clone.stderr);
    }
    await rename(partial, dir);
    return new MirrorRepo(url, dir);
  }
}

/** Read access to one bare mirror. Methods never fetch; call `GitMirror.ensure()` first. */
export class MirrorRepo {
  readonly url: string;
  readonly dir: string;

  constructor(url: string, dir: string) {
    this.url = url;
    this.dir = dir;
  }

  async hasCommit(sha: string): Promise<boolean> {
    if (!/^[0-9a-f]{4,64}$/i.test(sha)) return false;
    if (present.has(`${this.dir}\n${sha}`)) return true;
    const result = await runGit(["cat-file", "-e", `${sha}^{commit}`], { cwd: this.dir });
    if (result.code === 0 && fullSha.test(sha)) notePresent(this.dir, sha);
    return result.code === 0;
  }

  /**
   * The commit a branch points to, read from the ref files (no git process): the loose ref first, then
   * packed-refs, as git does. Null when the branch does not exist.
   */
  async branchHead(branch: string): Promise<string | null> {
    assertBranchName(branch);
    const ref = `refs/heads/${branch}`;
    const loose = await readFile(join(this.dir, ref), "utf8").catch(() => null);
    let sha = loose?.trim() ?? null;
    if (sha === null) {
      const packed = await readFile(join(this.dir, "packed-refs"), "utf8").catch(() => "");
      sha =
        packed
          .split("\n")
          .find((line) => line.endsWith(` ${ref}`))
          ?.slice(0, -ref.length - 1) ?? null;
    }
    if (sha === null || !fullSha.test(sha)) return sha === null ? null : this.resolve(ref);
    notePresent(this.dir, sha);
    return sha;
  }

  /** The full sha of a commit named by a sha, an abbreviated sha, a branch or a tag; null when unknown. */
  async resolve(rev: string): Promise<string | null> {
    if (rev.length === 0 || rev.startsWith("-") || /[\0-\x20]/.test(rev)) return null;
    const result = await runGit(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], {
      cwd: this.dir,
    });
    const sha = result.stdout.trim();
    if (result.code !== 0 || !fullSha.test(sha)) return null;
    notePresent(this.dir, sha);
    return sha;
  }

  /**
   * Commits reachable from `to` but not from `from`, newest first, at most `limit`. With `from` null (or a
   * commit this mirror no longer has, e.g. after a force push) only `to` itself.
   */
  async commitsBetween(from: string | null, to: string, limit = 100): Promise<MaterialCommit[]> {
    // Full shas go straight to `git log` (one process); anything else is resolved first.
    const toSha = fullSha.test(to) ? to : await this.#mustResolve(to);
    const fromSha = from === null || fullSha.test(from) ? from : await this.resolve(from);
    const key = `${this.dir}\n${fromSha}\n${toSha}`;
    const known = historyCache.get(key);
    if (known && (known.limit >= limit || known.commits.length < known.limit))
      return known.commits.slice(0, limit);
    const log = (range: string[]) =>
      runGit(
        [
          "log",
          "-z",
          "--name-only",
          "--diff-merges=first-parent",
          "--format=%x01%H%x00%s%x00%an <%ae>%x00%ct",
          ...range,
          "--",
        ],
        {
          cwd: this.dir,
        },
      );
    let result = await log(
      fromSha === null ? ["-n", "1", toSha] : ["-n", String(limit), toSha, `^${fromSha}`],
    );
    // `from` no longer in the mirror (a force push): only `to` itself.
    if (result.code !== 0 && fromSha !== null) result = await log(["-n", "1", toSha]);
    if (result.code !== 0) throw this.#failed("read the history", result.stderr);
    const commits = parseLog(result.stdout);
    if (historyCache.size >= 1_000) historyCache.clear();
    historyCache.set(key, { commits, limit });
    // A copy, here and on a hit: callers may reorder what they get (triggers reverse it).
    return commits.slice();
  }

  /** Paths that differ between two commits; with `from` null (or unknown), the files `to` itself changed. */
  async changedFiles(from: string | null, to: string): Promise<string[]> {
    const toSha = await this.#mustResolve(to);
    const fromSha = from === null ? null : await this.resolve(from);
    const args =
      fromSha === null
        ? ["diff-tree", "-r", "-z", "--root", "--no-commit-id", "--name-only", "-m", "--first-parent", toSha]
        : ["diff", "--name-only", "-z", "--no-renames", fromSha, toSha, "--"];
    const result = await runGit(args, { cwd: this.dir });
    if (result.code !== 0) throw this.#failed("compare commits", result.stderr);
    return [...new Set(result.stdout.split("\0").filter((path) => path.length > 0))];
  }

  /**
   * The text of every regular file at `rev` whose path satisfies `predicate` (e.g. `*.gocd.yaml`). A file larger
   * than `maxBytes` is not read: it comes back with its size and no text.
   */
  async readFiles(
    rev: string,
    predicate: (path: string) => boolean,
    maxBytes = Infinity,
  ): Promise<RepoFile[]> {
    const sha = await this.#mustResolve(rev);
    const tree = await runGit(["ls-tree", "-r", "-z", "-l", "--full-tree", sha], { cwd: this.dir });
    if (tree.code !== 0) throw this.#failed("list files", tree.stderr);
    const wanted: { path: string; blob: string; size: number }[] = [];
    for (const entry of tree.stdout.split("\0")) {
      const tab = entry.indexOf("\t");
      if (tab < 0) continue;
      // `<mode> <type> <object> <size, padded>`
      const [mode, type, blob, size] = entry.slice(0, tab).split(/ +/);
      const path = entry.slice(tab + 1);
      // Symlinks (120000) and submodules (commit entries) are not files to read.
      if (type === "blob" && mode !== "120000" && blob && predicate(path))
        wanted.push({ path, blob, size: Number(size) });
    }
    const toRead = wanted.filter((file) => file.size <= maxBytes);
    const texts =
      toRead.length === 0
        ? []
        : await (async () => {
            const batch = await runGitRaw(["cat-file", "--batch"], {
              cwd: this.dir,
              input: toRead.map((file) => file.blob).join("\n") + "\n",
            });
            if (batch.code !== 0) throw this.#failed("read files", batch.stderr);
            return parseCatFileBatch(batch.stdout);
          })();
    let next = 0;
    return wanted.map((file) =>
      file.size > maxBytes
        ? { path: file.path, text: "", size: file.size }
        : { path: file.path, text: texts[next++] ?? "" },
    );
  }

  async #mustResolve(rev: string): Promise<string> {
    const sha = await this.resolve(rev);
    if (sha === null) {
      throw new FawkesError(
        ErrorCode.invalidRevision,
        `revision ${JSON.stringify(rev)} not found in ${redactUrl(this.url)}`,
      );
    }
    return sha;
  }

  #failed(what: string, stderr: string): FawkesError {
    return new FawkesError(
      ErrorCode.internal,
      `cannot ${what} of ${redactUrl(this.url)}: ${gitFailure(stderr)}`,
    );
  }
}

function unreachable(url: string, stderr: string): FawkesError {
  return new FawkesError(
    ErrorCode.materialUnreachable,
    `cannot mirror git repository ${redactUrl(url)}: ${gitFailure(stderr)}`,
  );
}

/**
 * Mirrors cloned before credentials were kept out of remote URLs have `url = https://user:secret@…` in their
 * config (and a name derived from that URL, which nothing looks up any more): they are deleted, and the
 * repository is cloned again under its new name when next needed.
 */
async function removeCredentialedMirrors(root: string): Promise<void> {
  const entries = await readdir(root).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!entry.endsWith(".git")) continue;
    const config = await readFile(join(root, entry, "config"), "utf8").catch(() => "");
    const urls = [...config.matchAll(/^\s*url\s*=\s*"?([^"\n]*)"?\s*$/gm)].map((match) => match[1]!.trim());
    if (urls.some((remote) => splitCredentials(remote).url !== remote))
      await rm(join(root, entry), { recursive: true, force: true });
  }
}

/** True when `dir` holds a bare repository (HEAD, objects/, refs/ at its top). */
export async function isBareRepo(dir: string): Promise<boolean> {
  try {
    const [head, objects, refs] = await Promise.all([
      stat(join(dir, "HEAD")),
      stat(join(dir, "objects")),
      stat(join(dir, "refs")),
    ]);
    return head.isFile() && objects.isDirectory() && refs.isDirectory();
  } catch {
    return false;
  }
}

/** Parses `git log -z --name-only --format=%x01%H%x00%s%x00%an <%ae>%x00%ct`. */
function parseLog(output: string): MaterialCommit[] {
  const commits: MaterialCommit[] = [];
  for (const record of output.split("\x01")) {
    if (record.length === 0) continue;
    const [sha = "", subject = "", author = "", time = "0", ...files] = record.split("\0");
    commits.push({
      sha,
      subject,
      author,
      time: Number(time) * 1000,
      files: files.map((file) => file.replace(/^\n/, "")).filter((file) => file.length > 0),
    });
  }
  return commits;
}

/** Splits `git cat-file --batch` output (`<sha> <type> <size>\n<content>\n` per object) into texts. */
function parseCatFileBatch(output: Buffer): string[] {
  const texts: string[] = [];
  let offset = 0;
  while (offset < output.length) {
    const newline = output.indexOf(0x0a, offset);
    if (newline < 0) break;
    const header = output.subarray(offset, newline).toString("utf8").split(" ");
    if (header[1] === "missing" || header.length < 3) {
      texts.push("");
      offset = newline + 1;
      continue;
    }
    const size = Number(header[2]);
    texts.push(output.subarray(newline + 1, newline + 1 + size).toString("utf8"));
    offset = newline + 1 + size + 1;
  }
  return texts;
}
