import { spawn } from "node:child_process";
import { cliMain, pathWithNodeFirst, repoRoot } from "./paths.ts";

export interface CliOptions {
  /** Server URL, passed as `--server` (and FAWKES_SERVER). */
  server?: string;
  /** API token, passed as FAWKES_TOKEN. */
  token?: string;
  env?: Record<string, string>;
  /** Kill the command after this long. @default 60000 */
  timeoutMs?: number;
  cwd?: string;
  /** Written to the command's stdin (then closed); without it stdin is closed at once. */
  input?: string;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `fawkes ...args` to completion and collect its exit code and output. */
export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", ...options.env };
  env.PATH = pathWithNodeFirst(env.PATH);
  if (options.token !== undefined) env.FAWKES_TOKEN = options.token;
  const fullArgs = [cliMain, ...args];
  if (options.server !== undefined) {
    env.FAWKES_SERVER = options.server;
    fullArgs.push("--server", options.server);
  }
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, fullArgs, {
      cwd: options.cwd ?? repoRoot,
      env,
      stdio: ["pipe", "pipe", "pipe"],
      timeout: options.timeoutMs ?? 60_000,
      killSignal: "SIGKILL",
    });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdin.on("error", () => undefined); // a command that never reads stdin may exit before it is written
    child.stdin.end(options.input ?? "");
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.once("error", reject);
    child.once("close", (code) =>
      resolve({
        code,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      }),
    );
  });
}
