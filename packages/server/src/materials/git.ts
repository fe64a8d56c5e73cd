import { spawn } from "node:child_process";
import { ErrorCode, FawkesError, withoutMetadata } from "@fawkes/protocol";
import { redactUrl, splitCredentials, type UrlCredentials } from "./redact.ts";

export interface RunGitOptions {
  /** Working directory of the git process. @default process.cwd() */
  cwd?: string;
  /** The process is killed (SIGKILL) after this long and the call rejects. @default 60000 */
  timeoutMs?: number;
  /** Written to git's stdin, which is then closed. */
  input?: string | Buffer;
  /**
   * Credentials for the remote at `credentialsFor` (a URL without user info): given to git by a credential
   * helper that reads them from this git process's environment, so they are never in argv or on disk.
   */
  credentials?: UrlCredentials;
  credentialsFor?: string;
}

export interface GitResult {
  stdout: string;
  stderr: string;
  /** Exit code; 137 when git was ended by a signal. */
  code: number;
}

export interface GitRawResult {
  stdout: Buffer;
  stderr: string;
  code: number;
}

const defaultTimeoutMs = 60_000;

/**
 * The environment git runs with: it must never wait for a human (no terminal prompt, an askpass that
 * answers nothing, ssh in batch mode), its messages must be parseable (C locale), and nothing it starts
 * (ssh, a credential helper) looks for cloud credentials at the EC2 metadata address.
 */
function gitEnv(): NodeJS.ProcessEnv {
  return withoutMetadata({
    ...process.env,
    GIT_TERMINAL_PROMPT: "0",
    GIT_ASKPASS: "/bin/true",
    SSH_ASKPASS: "/bin/true",
    GIT_SSH_COMMAND: process.env.GIT_SSH_COMMAND ?? "ssh -o BatchMode=yes",
    LC_ALL: "C",
  });
}

/**
 * A credential helper run by git's shell (`!…`): it answers `get` with the values in this git process's
 * environment, and only for the host they belong to (a redirect to another host gets nothing). A shell
 * function costs no extra interpreter start. `credential.helper=` first empties the list, so no helper the
 * user configured (`store`, a keychain) is asked, or told to save the password.
 */
const envCredentialHelper =
  '!f() { test "$1" = get || exit 0; while read -r line && [ -n "$line" ]; do case "$line" in host=*) host="${line#host=}";; esac; done; ' +
  'test "$host" = "$FAWKES_GIT_HOST" && printf "username=%s\\npassword=%s\\n" "$FAWKES_GIT_USERNAME" "$FAWKES_GIT_PASSWORD"; }; f';

/** The `-c` options and environment that hand `credentials` to git for the remote at `url`. */
function credentialArgs(options: RunGitOptions): { args: string[]; env: Record<string, string> } | undefined {
  if (!options.credentials || options.credentialsFor === undefined) return undefined;
  let host: string;
  try {
    host = new URL(options.credentialsFor).host;
  } catch {
    return undefined;
  }
  return {
    args: ["-c", "credential.helper=", "-c", `credential.helper=${envCredentialHelper}`],
    env: {
      FAWKES_GIT_HOST: host,
      FAWKES_GIT_USERNAME: options.credentials.username,
      FAWKES_GIT_PASSWORD: options.credentials.password,
    },
  };
}

/** Runs git (never through a shell) and returns its raw stdout, for binary protocols like `cat-file --batch`. */
export function runGitRaw(args: readonly string[], options: RunGitOptions = {}): Promise<GitRawResult> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const credentials = credentialArgs(options);
  return new Promise((resolve, reject) => {
    // Through `sh` for the umask: git creates the mirrors' files itself, and the data directory is private.
    const gitArgs = credentials ? [...credentials.args, ...args] : args;
    const child = spawn("/bin/sh", ["-c", 'umask 077 && exec git "$@"', "git", ...gitArgs], {
      cwd: options.cwd,
      env: credentials ? { ...gitEnv(), ...credentials.env } : gitEnv(),
      stdio: ["pipe", "pipe", "pipe"],
      shell: false,
      // Its own process group, so a timeout also kills the helpers git starts (ssh, git-remote-https).
      detached: true,
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    let settled = false;
    const timer = setTimeout(() => {
      settled = true;
      killGroup(child.pid);
      child.stdout.destroy();
      child.stderr.destroy();
      reject(new FawkesError(ErrorCode.internal, `git ${subcommand(args)} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    // git may exit before reading all of its input; that is reported through the exit code, not EPIPE.
    child.stdin.on("error", () => {});
    child.on("error", (error) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      reject(new FawkesError(ErrorCode.internal, `cannot run git: ${error.message}`, { cause: error }));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (settled) return;
      settled = true;
      resolve({
        stdout: Buffer.concat(stdout),
        stderr: Buffer.concat(stderr).toString("utf8"),
        code: code ?? (signal ? 137 : 1),
      });
    });
    child.stdin.end(options.input ?? "");
  });
}

/** `fetch` of `-c key=value fetch --prune …`. */
function subcommand(args: readonly string[]): string {
  return args.find((arg, index) => !arg.startsWith("-") && args[index - 1] !== "-c") ?? "";
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/** Runs git (never through a shell) with a prompt-free environment and a timeout. */
export async function runGit(args: readonly string[], options: RunGitOptions = {}): Promise<GitResult> {
  const result = await runGitRaw(args, options);
  return { stdout: result.stdout.toString("utf8"), stderr: result.stderr, code: result.code };
}

/** Rejects URLs git could mistake for an option; every other form (path, file://, http(s), ssh, scp-like) passes. */
export function assertGitUrl(url: string): void {
  if (url.length === 0 || url.startsWith("-") || /[\0\r\n]/.test(url)) {
    throw new FawkesError(
      ErrorCode.badRequest,
      `invalid git repository url: ${JSON.stringify(redactUrl(url))}`,
    );
  }
}

/** Rejects branch names that are not plain ref names (so they can be interpolated into `refs/heads/...`). */
export function assertBranchName(branch: string): void {
  const bad =
    branch.length === 0 ||
    branch.startsWith("-") ||
    branch.startsWith("/") ||
    branch.endsWith("/") ||
    branch.endsWith(".lock") ||
    branch.includes("..") ||
    branch.includes("@{") ||
    // eslint-disable-next-line no-control-regex
    /[\x00-\x20\x7f~^:?*[\\]/.test(branch);
  if (bad) throw new FawkesError(ErrorCode.badRequest, `invalid git branch name: ${JSON.stringify(branch)}`);
}

/** The first meaningful line of git's stderr, credentials redacted: what a person needs to see. */
export function gitFailure(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
  const fatal = lines.find((line) => line.startsWith("fatal:")) ?? lines[0] ?? "no error output";
  return redactUrl(fatal);
}

export interface LsRemoteOptions {
  /** @default 30000 */
  timeoutMs?: number;
}

/**
 * The sha `refs/heads/<branch>` points to in the remote repository, or null when the branch does not exist.
 * Throws FAWKES_MATERIAL_NOT_FOUND (502) when the repository cannot be reached or read.
 */
export async function lsRemote(
  url: string,
  branch: string,
  options: LsRemoteOptions = {},
): Promise<string | null> {
  assertGitUrl(url);
  assertBranchName(branch);
  const ref = `refs/heads/${branch}`;
  const remote = splitCredentials(url);
  const result = await runGit(["ls-remote", "--heads", "--", remote.url, ref], {
    timeoutMs: options.timeoutMs ?? 30_000,
    credentials: remote.credentials,
    credentialsFor: remote.url,
  });
  if (result.code !== 0) {
    throw new FawkesError(
      ErrorCode.materialUnreachable,
      `cannot reach git repository ${redactUrl(url)}: ${gitFailure(result.stderr)}`,
    );
  }
  for (const line of result.stdout.split("\n")) {
    const [sha, name] = line.split("\t");
    if (name === ref && sha) return sha;
  }
  return null;
}

/** The branch the remote's HEAD points to (its default branch), or null when it has none. */
export async function remoteDefaultBranch(
  url: string,
  options: LsRemoteOptions = {},
): Promise<string | null> {
  assertGitUrl(url);
  const remote = splitCredentials(url);
  const result = await runGit(["ls-remote", "--symref", "--", remote.url, "HEAD"], {
    timeoutMs: options.timeoutMs ?? 30_000,
    credentials: remote.credentials,
    credentialsFor: remote.url,
  });
  if (result.code !== 0) {
    throw new FawkesError(
      ErrorCode.materialUnreachable,
      `cannot reach git repository ${redactUrl(url)}: ${gitFailure(result.stderr)}`,
    );
  }
  const match = /^ref: refs\/heads\/(\S+)\tHEAD$/m.exec(result.stdout);
  return match?.[1] ?? null;
}
