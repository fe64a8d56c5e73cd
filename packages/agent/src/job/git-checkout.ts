import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { access, mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { GitCheckout } from "@fawkes/protocol";
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

/**
 * Makes the per-agent bare mirror of `url` hold `revision`: cloned the first time, fetched only when the
 * revision is missing. The clone goes to a temp dir first so an interrupted clone never poisons the cache.
 */
async function ensureMirror(workDir: string, url: string, revision: string): Promise<string> {
  const mirror = mirrorPath(workDir, url);
  if (!(await exists(mirror))) {
    await mkdir(join(workDir, "cache", "git"), { recursive: true });
    const temp = `${mirror}.tmp-${process.pid}-${Date.now()}`;
    const cloned = await git(["clone", "--mirror", "--quiet", url, temp]);
    if (!cloned.ok) {
      await rm(temp, { recursive: true, force: true });
      throw new FawkesError(ErrorCode.materialNotFound, 502, `git clone --mirror failed: ${cloned.output}`);
    }
    await rename(temp, mirror);
  }
  if ((await git(["cat-file", "-e", `${revision}^{commit}`], mirror)).ok) return mirror;
  const fetched = await git(["fetch", "--quiet", "--prune", "origin"], mirror);
  if (!fetched.ok)
    throw new FawkesError(ErrorCode.materialNotFound, 502, `git fetch failed: ${fetched.output}`);
  if (!(await git(["cat-file", "-e", `${revision}^{commit}`], mirror)).ok) {
    throw new FawkesError(
      ErrorCode.invalidRevision,
      400,
      `revision ${revision} not found in ${displayUrl(url)}`,
    );
  }
  return mirror;
}

function configQuote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/**
 * Checks out `material.revision` into `<workspace>/<destination>` as a detached HEAD. The working copy
 * borrows the mirror's objects through `objects/info/alternates` (nothing is copied), so this costs two
 * git processes: `git init` and `git checkout`. `origin` points at the real URL, as users expect.
 * Shallow clones are served from the full mirror (a local checkout is already cheap).
 */
export async function checkoutMaterial(
  workDir: string,
  workspace: string,
  material: GitCheckout,
): Promise<string> {
  const destination = resolveInside(workspace, material.destination, "material destination");
  const mirror = await ensureMirror(workDir, material.url, material.revision);
  const dotGit = join(destination, ".git");
  const fresh = !(await exists(dotGit));
  if (fresh) {
    await mkdir(destination, { recursive: true });
    const init = await git(["init", "--quiet", destination]);
    if (!init.ok) throw new FawkesError(ErrorCode.internal, 500, `git init failed: ${init.output}`);
    const remote = `[remote "origin"]\n\turl = ${configQuote(material.url)}\n\tfetch = +refs/heads/*:refs/remotes/origin/*\n`;
    await writeFile(join(dotGit, "config"), remote, { flag: "a" });
  }
  await writeFile(join(dotGit, "objects", "info", "alternates"), `${join(mirror, "objects")}\n`);
  const checkout = await git(["checkout", "--quiet", "--force", "--detach", material.revision], destination);
  if (!checkout.ok)
    throw new FawkesError(ErrorCode.invalidRevision, 400, `git checkout failed: ${checkout.output}`);
  if (!fresh) {
    const clean = await git(["clean", "-dffq"], destination);
    if (!clean.ok) throw new FawkesError(ErrorCode.internal, 500, `git clean failed: ${clean.output}`);
  }
  return destination;
}
