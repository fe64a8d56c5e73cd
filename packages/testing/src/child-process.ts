import { spawn, type ChildProcess } from "node:child_process";
import { cliMain, pathWithNodeFirst, repoRoot } from "./paths.ts";

/** A `fawkes` subprocess whose output is kept (bounded) for failure messages. */
export interface CapturedProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** True once the process has exited. */
  hasExited(): boolean;
  /** Everything it printed so far (stdout and stderr interleaved, last ~256 KiB). */
  output(): string;
  /** Send `signal` and wait for the exit; SIGKILL after `graceMs` if a softer signal is ignored. */
  kill(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

const OUTPUT_LIMIT = 256 * 1024;

/** Spawn `node packages/cli/src/main.ts ...args` in its own process group. */
export function spawnFawkes(label: string, args: string[], env: NodeJS.ProcessEnv = {}): CapturedProcess {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    GIT_TERMINAL_PROMPT: "0",
    ...env,
    PATH: pathWithNodeFirst(env.PATH ?? process.env.PATH),
  };
  // Set by `node --test` for its own test files: a job's `node --test` that inherits it (through the server and
  // agent) reports to a parent that is not there and exits 0 even when its tests fail.
  delete childEnv.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [cliMain, ...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    output += chunk.toString("utf8");
    if (output.length > OUTPUT_LIMIT) output = output.slice(-OUTPUT_LIMIT);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  let done = false;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
    child.once("error", (error) => {
      done = true;
      output += `\n[spawn error] ${error.message}`;
      resolve({ code: null, signal: null });
    });
  });

  return {
    child,
    exited,
    hasExited: () => done,
    output: () => `--- ${label} (pid ${child.pid}) output ---\n${output}`,
    async kill(signal = "SIGTERM", graceMs = 10_000) {
      if (done) return;
      signalTree(child, signal);
      const timer = setTimeout(() => signalTree(child, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      // Jobs of an agent run in their own process groups; a killed agent's children are its server's business,
      // but the fawkes process group itself must not linger.
      signalTree(child, "SIGKILL");
    },
  };
}

function signalTree(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // Negative pid: the whole process group started with `detached: true`.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}
