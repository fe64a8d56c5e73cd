import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol/constants";
import type { GitCheckout } from "@fawkes/protocol";
import { withoutMetadata } from "@fawkes/protocol/imds";
import type { AgentLog } from "../options.ts";
import { resolveInside } from "./paths.ts";

/**
 * Git never prompts: a job must fail rather than hang waiting for a password. Nothing it starts (ssh, a
 * credential helper) looks for cloud credentials at the EC2 metadata address.
 */
const gitEnv: Record<string, string | undefined> = withoutMetadata({
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GCM_INTERACTIVE: "never",
  GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
});

/** A remote and the credentials git needs for it (the URL has no user info). */
export interface RemoteAuth {
  url: string;
  credentials?: { username: string; password: string } | undefined;
}

/**
 * Answers git's `get` with the values in this git process's environment, for the remote's host only. A shell
 * function (no interpreter to start); `credential.helper=` before it empties the list, so no helper of the
 * user's (`store`, a keychain) is asked or told to save anything. The values are in the environment of that
 * one git child, never in argv (process lists) or on disk.
 */
const envCredentialHelper =
  '!f() { test "$1" = get || exit 0; while read -r line && [ -n "$line" ]; do case "$line" in host=*) host="${line#host=}";; esac; done; ' +
  'test "$host" = "$FAWKES_GIT_HOST" && printf "username=%s\\npassword=%s\\n" "$FAWKES_GIT_USERNAME" "$FAWKES_GIT_PASSWORD"; }; f';

function withCredentials(
  args: string[],
  auth: RemoteAuth | undefined,
): { args: string[]; env: Record<string, string | undefined> } {
  if (!auth?.credentials) return { args, env: gitEnv };
  let host: string;
  try {
    host = new URL(auth.url).host;
  } catch {
    return { args, env: gitEnv };
  }
  return {
    args: ["-c", "credential.helper=", "-c", `credential.helper=${envCredentialHelper}`, ...args],
    env: {
      ...gitEnv,
      FAWKES_GIT_HOST: host,
      FAWKES_GIT_USERNAME: auth.credentials.username,
      FAWKES_GIT_PASSWORD: auth.credentials.password,
    },
  };
}

function git(args: string[], cwd?: string, auth?: RemoteAuth): Promise<{ ok: boolean; output: string }> {
  const command = withCredentials(args, auth);
  return new Promise((resolve) => {
    execFile(
      "git",
      command.args,
      { cwd, env: command.env, maxBuffer: 4 * 1024 * 1024 },
      (error, stdout, stderr) => {
        resolve({ ok: error === null, output: `${stdout}${stderr}`.trim() });
      },
    );
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

/**
 * `<workDir>/cache/git/<first 16 hex of sha256(url)>.git`. The server sends URLs without user info, so a
 * mirror's name and its `remote.origin.url` never hold credentials, and a prefetch hint finds the mirror.
 */
export function mirrorPath(workDir: string, url: string): string {
  return join(workDir, "cache", "git", `${createHash("sha256").update(url).digest("hex").slice(0, 16)}.git`);
}

/** `url = scheme://user:password@…`, or `url = https://token@…` (an ssh user alone is not a credential). */
const credentialedRemote = /^\s*url\s*=\s*"?([a-z][a-z0-9+.-]*):\/\/([^/@\s"]*)@/gim;

/**
 * Mirrors an older agent cloned with the credentials in their URL keep them in their config (and have names
 * derived from that URL, which nothing looks up any more): deleted at start; a job clones them again.
 */
export async function removeCredentialedMirrors(workDir: string): Promise<void> {
  const root = join(workDir, "cache", "git");
  for (const entry of await readdir(root).catch(() => [] as string[])) {
    const config = await readFile(join(root, entry, "config"), "utf8").catch(() => "");
    const leaks = [...config.matchAll(credentialedRemote)].some(
      ([, scheme = "", userInfo = ""]) => !/ssh/i.test(scheme) || userInfo.includes(":"),
    );
    if (leaks) await rm(join(root, entry), { recursive: true, force: true });
  }
}

/** A URL without user:password, for console lines. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^/@]*@/, "//");
}

/** Clones the per-agent bare mirror of `url` the first time (into a temp dir first, so an interrupted clone never poisons the cache). */
async function ensureMirror(workDir: string, auth: RemoteAuth): Promise<string> {
  const mirror = mirrorPath(workDir, auth.url);
  if (await exists(mirror)) return mirror;
  await mkdir(join(workDir, "cache", "git"), { recursive: true });
  const temp = `${mirror}.tmp-${process.pid}-${Date.now()}`;
  const cloned = await git(["clone", "--mirror", "--quiet", "--", auth.url, temp], undefined, auth);
  if (!cloned.ok) {
    await rm(temp, { recursive: true, force: true });
    throw new FawkesError(ErrorCode.materialUnreachable, `git clone --mirror failed: ${cloned.output}`);
  }
  await rename(temp, mirror);
  return mirror;
}

/** One fetch per mirror at a time; a checkout waiting for a revision joins the fetch under way. */
const fetching = new Map<string, Promise<{ ok: boolean; output: string }>>();
/** Git's own auto-maintenance runs after this many fetches of a mirror, in the background. */
const MAINTAIN_EVERY = 50;
const fetchesSinceMaintenance = new Map<string, number>();

function fetchMirror(mirror: string, auth?: RemoteAuth): Promise<{ ok: boolean; output: string }> {
  let running = fetching.get(mirror);
  if (!running) {
    // Not the `git maintenance run --auto` a fetch would start before exiting: a process between a push and
    // the job's first task.
    running = git(
      ["-c", "maintenance.auto=false", "fetch", "--quiet", "--prune", "origin"],
      mirror,
      auth,
    ).finally(() => fetching.delete(mirror));
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
async function fetchRevision(mirror: string, auth: RemoteAuth, revision: string): Promise<void> {
  // A joined fetch may have started before the revision existed (or was a prefetch without credentials):
  // then one more, of our own.
  for (let attempt = 0; attempt < 2; attempt++) {
    const fetched = await fetchMirror(mirror, auth);
    if (!fetched.ok)
      throw new FawkesError(ErrorCode.materialUnreachable, `git fetch failed: ${fetched.output}`);
    if ((await git(["cat-file", "-e", `${revision}^{commit}`], mirror)).ok) return;
  }
  throw new FawkesError(
    ErrorCode.invalidRevision,
    `revision ${revision} not found in ${displayUrl(auth.url)}`,
  );
}

function configQuote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * Writes a minimal `.git` by hand (what `git init` makes, minus hooks and templates): a process less per job.
 * Its objects come from the mirror through `objects/info/alternates` (nothing is copied).
 */
async function initWorkingCopy(dotGit: string): Promise<void> {
  await mkdir(join(dotGit, "objects", "info"), { recursive: true });
  await mkdir(join(dotGit, "refs", "heads"), { recursive: true });
  await mkdir(join(dotGit, "refs", "tags"), { recursive: true });
  await writeFile(join(dotGit, "HEAD"), "ref: refs/heads/main\n");
}

/**
 * The workspace's config, written on every checkout (a workspace kept from an earlier job gets this job's):
 * `origin` is the real URL without credentials, as users expect; for a repository that needs credentials, a
 * credential helper that asks this job's credential socket, so tasks can `git fetch`/`git push` while the job
 * runs (and get nothing after it). The helper list is emptied first so no helper of the user's stores them.
 */
async function writeWorkingCopyConfig(
  dotGit: string,
  url: string,
  helper: string | undefined,
): Promise<void> {
  const credential =
    helper === undefined
      ? ""
      : `[credential]\n\thelper =\n\thelper = ${configQuote(helper)}\n\tuseHttpPath = true\n`;
  await writeFile(
    join(dotGit, "config"),
    `[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n` +
      `[remote "origin"]\n\turl = ${configQuote(url)}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n` +
      credential,
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
  credentialHelper?: string,
): Promise<string> {
  const destination = resolveInside(workspace, material.destination, "material destination");
  const auth: RemoteAuth = { url: material.url, credentials: material.credentials };
  const mirror = await ensureMirror(workDir, auth);
  const dotGit = join(destination, ".git");
  const fresh = !(await exists(dotGit));
  if (fresh) await initWorkingCopy(dotGit);
  await writeWorkingCopyConfig(dotGit, material.url, material.credentials ? credentialHelper : undefined);
  await writeFile(join(dotGit, "objects", "info", "alternates"), `${join(mirror, "objects")}\n`);
  const checkout = () => git(["checkout", "--quiet", "--force", "--detach", material.revision], destination);
  // Most checkouts find the revision in the mirror already; a failed first try means it must be fetched.
  await fetching.get(mirror);
  let done = await checkout();
  if (!done.ok) {
    await fetchRevision(mirror, auth, material.revision);
    done = await checkout();
  }
  if (!done.ok) throw new FawkesError(ErrorCode.invalidRevision, `git checkout failed: ${done.output}`);
  if (!fresh) {
    const clean = await git(["clean", "-dffq"], destination);
    if (!clean.ok) throw new FawkesError(ErrorCode.internal, `git clean failed: ${clean.output}`);
  }
  return destination;
}
