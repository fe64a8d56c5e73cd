import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol/constants";
import type { GitCheckout } from "@fawkes/protocol";
import type { AgentLog } from "../options.ts";
import { resolveInside } from "./paths.ts";

/** Git never prompts: a job must fail rather than hang waiting for a password. */
const gitEnv: Record<string, string | undefined> = {
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GCM_INTERACTIVE: "never",
  GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
};

function git(args: string[], cwd?: string): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env: gitEnv, maxBuffer: 4 * 1024 * 1024 }, (error, stdout, stderr) => {
      resolve({ ok: error === null, output: `${stdout}${stderr}`.trim() });
    });
  });
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}

/** `<workDir>/cache/git/<first 16 hex of sha256(url)>.git` */
export function mirrorPath(workDir: string, url: string): string {
  return join(workDir, "cache", "git", `${createHash("sha256").update(url).digest("hex").slice(0, 16)}.git`);
}

/** A URL without user:password, for console lines. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//");
}

/** Clones the per-agent bare mirror of `url` the first time (into a temp dir first, so an interrupted clone never poisons the cache). */
async function ensureMirror(workDir: string, url: string): Promise<string> {
  const mirror = mirrorPath(workDir, url);
  if (await exists(mirror)) return mirror;
  await mkdir(join(workDir, "cache", "git"), { recursive: true });
  const temp = `${mirror}.tmp-${process.pid}-${Date.now()}`;
  const cloned = await git(["clone", "--mirror", "--quiet", url, temp]);
  if (!cloned.ok) {
    await rm(temp, { recursive: true, force: true });
    throw new FawkesError(ErrorCode.materialNotFound, 502, `git clone --mirror failed: ${cloned.output}`);
  }
  await rename(temp, mirror);
  return mirror;
}

/** One fetch per mirror at a time; a checkout waiting for a revision joins the fetch under way. */
const fetching = new Map<string, Promise<{ ok: boolean; output: string }>>();
/** Git's own auto-maintenance runs after this many fetches of a mirror, in the background. */
const MAINTAIN_EVERY = 50;
const fetchesSinceMaintenance = new Map<string, number>();

function fetchMirror(mirror: string): Promise<{ ok: boolean; output: string }> {
  let running = fetching.get(mirror);
  if (!running) {
    // Not the `git maintenance run --auto` a fetch would start before exiting: a process between a push and
    // the job's first task.
    running = git(["-c", "maintenance.auto=false", "fetch", "--quiet", "--prune", "origin"], mirror).finally(
      () => fetching.delete(mirror),
    );
    fetching.set(mirror, running);
    const fetches = (fetchesSinceMaintenance.get(mirror) ?? 0) + 1;
    fetchesSinceMaintenance.set(mirror, fetches % MAINTAIN_EVERY);
    if (fetches === MAINTAIN_EVERY)
      void running.then(() => git(["maintenance", "run", "--auto", "--quiet"], mirror));
  }
  return running;
}

/**
 * The server saw a new revision of a material (its run is being scheduled), or a push to its repository (no
 * revision yet): fetch now into an existing mirror, so the checkout finds the revision there. Mirrors are not
 * cloned on a hint; failures are left to the checkout.
 */
export function prefetchRevision(
  workDir: string,
  url: string,
  revision: string | undefined,
  log: AgentLog,
): void {
  const mirror = mirrorPath(workDir, url);
  void exists(mirror).then(async (found) => {
    if (!found || fetching.has(mirror)) return;
    if (revision !== undefined && (await git(["cat-file", "-e", `${revision}^{commit}`], mirror)).ok) return;
    const fetched = await fetchMirror(mirror);
    if (!fetched.ok) log("warn", "prefetch failed", { url: displayUrl(url), message: fetched.output });
  });
}

/** Fetches into the mirror (or joins a prefetch under way); fails when the revision is still missing afterwards. */
async function fetchRevision(mirror: string, url: string, revision: string): Promise<void> {
  // A joined fetch may have started before the revision existed: then one more, of our own.
  for (let attempt = 0; attempt < 2; attempt++) {
    const fetched = await fetchMirror(mirror);
    if (!fetched.ok)
      throw new FawkesError(ErrorCode.materialNotFound, 502, `git fetch failed: ${fetched.output}`);
    if ((await git(["cat-file", "-e", `${revision}^{commit}`], mirror)).ok) return;
  }
  throw new FawkesError(
    ErrorCode.invalidRevision,
    400,
    `revision ${revision} not found in ${displayUrl(url)}`,
  );
}

function configQuote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * Writes a minimal `.git` by hand (what `git init` makes, minus hooks and templates): a process less per job.
 * Its objects come from the mirror through `objects/info/alternates` (nothing is copied); `origin` points at
 * the real URL, as users expect.
 */
async function initWorkingCopy(dotGit: string, url: string): Promise<void> {
  await mkdir(join(dotGit, "objects", "info"), { recursive: true });
  await mkdir(join(dotGit, "refs", "heads"), { recursive: true });
  await mkdir(join(dotGit, "refs", "tags"), { recursive: true });
  await writeFile(join(dotGit, "HEAD"), "ref: refs/heads/main\n");
  await writeFile(
    join(dotGit, "config"),
    `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n` +
      `[remote "origin"]\n\turl = ${configQuote(url)}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`,
  );
}

/**
 * Checks out `material.revision` into `<workspace>/<destination>` as a detached HEAD. In the common case
 * (the mirror already has the revision) that is one git process: `git checkout`. Otherwise the mirror is
 * fetched first. Shallow clones are served from the full mirror (a local checkout is already cheap).
 */
export async function checkoutMaterial(
  workDir: string,
  workspace: string,
  material: GitCheckout,
): Promise<string> {
  const destination = resolveInside(workspace, material.destination, "material destination");
  const mirror = await ensureMirror(workDir, material.url);
  const dotGit = join(destination, ".git");
  const fresh = !(await exists(dotGit));
  if (fresh) await initWorkingCopy(dotGit, material.url);
  await writeFile(join(dotGit, "objects", "info", "alternates"), `${join(mirror, "objects")}\n`);
  const checkout = () => git(["checkout", "--quiet", "--force", "--detach", material.revision], destination);
  // Most checkouts find the revision in the mirror already; a failed first try means it must be fetched.
  await fetching.get(mirror);
  let done = await checkout();
  if (!done.ok) {
    await fetchRevision(mirror, material.url, material.revision);
    done = await checkout();
  }
  if (!done.ok) throw new FawkesError(ErrorCode.invalidRevision, 400, `git checkout failed: ${done.output}`);
  if (!fresh) {
    const clean = await git(["clean", "-dffq"], destination);
    if (!clean.ok) throw new FawkesError(ErrorCode.internal, 500, `git clean failed: ${clean.output}`);
  }
  return destination;
}
