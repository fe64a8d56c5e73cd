/**
 * Local agents for `fawkes up`: child processes running this CLI's `agent` command, restarted with backoff when
 * they crash, stopped (SIGTERM, then SIGKILL after a grace period) before the server closes.
 */
import { spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { createWriteStream, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { withoutMetadata } from "@fawkes/protocol/imds";

export interface LocalAgentSpec {
  name: string;
  workDir: string;
  /** Agent output (stdout and stderr) is appended here. */
  logFile: string;
}

export interface SupervisorOptions {
  mainScript: string;
  serverUrl: string;
  key: string;
  agents: LocalAgentSpec[];
  /** `--role` of every agent: the role their jobs without one assume. @default none */
  role?: string | undefined;
  /** Told about crashes and restarts (the user should know an agent is flapping). */
  onEvent(message: string): void;
  /** @default 1000 */
  initialBackoffMs?: number;
  /** @default 30000 */
  maxBackoffMs?: number;
  /** @default 10000 */
  stopGraceMs?: number;
}

export interface Supervisor {
  stop(): Promise<void>;
  /** Current pid of each agent (for tests and diagnostics). */
  pids(): (number | undefined)[];
}

/** A run this long counts as healthy: the next crash restarts without accumulated backoff. */
const healthyRunMs = 60_000;

export function superviseAgents(options: SupervisorOptions): Supervisor {
  const initial = options.initialBackoffMs ?? 1000;
  const max = options.maxBackoffMs ?? 30_000;
  let stopping = false;
  const children: (ChildProcess | undefined)[] = options.agents.map(() => undefined);
  const timers = new Set<NodeJS.Timeout>();

  // Jobs run with the agent's PATH: put this Node (≥ 24, runs .ts) first so `node` in tasks is the same one.
  // The agent itself has no metadata endpoint; each of its jobs gets its own.
  const env = withoutMetadata({
    ...process.env,
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ""}`,
    FAWKES_AGENT_KEY: options.key,
    FAWKES_SERVER: options.serverUrl,
  });

  const start = (index: number, backoff: number) => {
    const spec = options.agents[index] as LocalAgentSpec;
    mkdirSync(spec.workDir, { recursive: true });
    mkdirSync(dirname(spec.logFile), { recursive: true });
    const log = createWriteStream(spec.logFile, { flags: "a" });
    const startedAt = Date.now();
    const child = spawn(
      process.execPath,
      [
        options.mainScript,
        "agent",
        "--server",
        options.serverUrl,
        "--name",
        spec.name,
        "--work-dir",
        spec.workDir,
        ...(options.role !== undefined ? ["--role", options.role] : []),
      ],
      { env, stdio: ["ignore", "pipe", "pipe"] },
    );
    children[index] = child;
    child.stdout?.pipe(log, { end: false });
    child.stderr?.pipe(log, { end: false });
    child.on("error", (error) => options.onEvent(`agent ${spec.name} could not start: ${error.message}`));
    child.on("close", (code, signal) => {
      children[index] = undefined;
      log.end();
      if (stopping) return;
      const next = Date.now() - startedAt >= healthyRunMs ? initial : backoff;
      options.onEvent(
        `agent ${spec.name} exited (${signal ?? `code ${code}`}); restarting in ${next} ms (log: ${spec.logFile})`,
      );
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (!stopping) start(index, Math.min(next * 2, max));
      }, next);
      timers.add(timer);
    });
  };

  options.agents.forEach((_, index) => start(index, initial));

  return {
    pids: () => children.map((child) => child?.pid),
    async stop() {
      stopping = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      const grace = options.stopGraceMs ?? 10_000;
      await Promise.all(
        children.map(async (child) => {
          if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
          child.kill("SIGTERM");
          const killer = setTimeout(() => child.kill("SIGKILL"), grace);
          await exited;
          clearTimeout(killer);
        }),
      );
    },
  };
}

/** `<hostname>-1..N` with work dirs `<data>/agents/<i>` and logs `<data>/agents/<i>.log`. */
export function localAgentSpecs(dataDir: string, host: string, count: number): LocalAgentSpec[] {
  return Array.from({ length: count }, (_, i) => ({
    name: `${host}-${i + 1}`,
    workDir: join(dataDir, "agents", String(i + 1)),
    logFile: join(dataDir, "agents", `${i + 1}.log`),
  }));
}
