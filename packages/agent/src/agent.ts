import { mkdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { sleep } from "./backoff.ts";
import { prefetchRevision } from "./job/git-checkout.ts";
import { JobRunner, type TaskHost } from "./job/job-runner.ts";
import { ProcessLedger } from "./job/leftover-processes.ts";
import { removeCredentialedMirrors } from "./job/git-checkout.ts";
import { detectSandboxing, TaskSandbox } from "./job/task-sandbox.ts";
import { compileOptions } from "./options.ts";
import type { AgentLog, AgentOptions } from "./options.ts";
import { ServerClient } from "./server-client.ts";

export interface RunningAgent {
  readonly name: string;
  /** The id the server gave this agent; undefined until the first registration succeeds. */
  readonly agentId: () => string | undefined;
  /** Stops the agent: ends the long poll and kills a running job without reporting it (the lease expires). */
  stop(): Promise<void>;
  /** Resolves when the agent has stopped. */
  done: Promise<void>;
}

/**
 * Starts an agent: registers (reusing `<workDir>/agent.json`), then long-polls POST /agent/v1/work and
 * runs one job at a time. While pending or disabled the server answers `job: null` and the poll goes on
 * (it is the idle heartbeat). A lost server is retried with backoff; the agent never crashes on it.
 * Resolves once the work dir exists; registration happens in the background.
 */
export async function startAgent(options: AgentOptions): Promise<RunningAgent> {
  const compiled = compileOptions(options);
  await mkdir(compiled.workDir, { recursive: true, mode: 0o700 });
  // Console spools of jobs a previous run of this agent did not finish (their leases are gone).
  await rm(join(compiled.workDir, "spool"), { recursive: true, force: true });
  // Processes of a job a previous run of this agent was killed in (their lease is gone too).
  const ledger = new ProcessLedger(compiled.workDir);
  ledger.killLeftovers(compiled.log);
  const host: TaskHost = { sandbox: new TaskSandbox(await detectSandboxing(), ledger), ledger };
  compiled.log("info", "task processes end with the agent", { mechanism: host.sandbox.mechanism });
  // Mirrors an older agent cloned with credentials in their URL; sockets of a job it did not finish.
  await removeCredentialedMirrors(compiled.workDir);
  await rm(join(compiled.workDir, "credentials"), { recursive: true, force: true });
  const client = new ServerClient(compiled);
  const stopping = new AbortController();
  let current: JobRunner | undefined;
  client.runningLeases = () => (current ? [current.leaseId] : []);
  client.onRevokedLeases = (leases) => {
    if (current && leases.includes(current.leaseId)) current.cancel();
  };

  const loop = async (): Promise<void> => {
    try {
      await client.register(stopping.signal);
    } catch {
      return; // stopped before registering
    }
    rotation = rotateTokens(client, compiled.tokenRotationMs, compiled.log, stopping.signal);
    while (!stopping.signal.aborted) {
      let work;
      try {
        work = await client.work(compiled.workWaitMs, stopping.signal);
      } catch (error) {
        if (stopping.signal.aborted) return;
        compiled.log("error", "work request failed", { message: String(error) });
        await sleep(1_000, stopping.signal);
        continue;
      }
      for (const hint of work.prefetch ?? [])
        prefetchRevision(compiled.workDir, hint.url, hint.revision, compiled.log);
      if (!work.job) continue;
      current = new JobRunner(work.job, client, compiled, host);
      await current.run();
      current = undefined;
    }
  };

  let rotation: Promise<void> = Promise.resolve();
  const done = loop()
    .catch((error: unknown) => compiled.log("error", "agent loop failed", { message: String(error) }))
    .then(() => rotation)
    .finally(() => client.close());

  return {
    name: compiled.name,
    agentId: () => client.agentId,
    async stop() {
      stopping.abort();
      current?.abort();
      await done;
      await host.sandbox.close();
    },
    done,
  };
}

/**
 * Rotates the agent's token every `everyMs` from when it was issued (0: never). Not right after a registration:
 * the registration's answer carried a token as fresh as a rotation's, over the same channel. An agent started
 * with a token already due (older than `everyMs`, or a rotation cut short by a crash) rotates at once, while the
 * server's grace still accepts the old token. A failed rotation is retried a minute later (the old token keeps
 * working); it never stops the agent.
 */
async function rotateTokens(
  client: ServerClient,
  everyMs: number,
  log: AgentLog,
  signal: AbortSignal,
): Promise<void> {
  if (everyMs <= 0) return;
  while (!signal.aborted) {
    const dueInMs = client.tokenIssuedAt + everyMs - Date.now();
    if (dueInMs > 0) {
      await sleep(Math.min(dueInMs, MAX_TIMER_MS), signal);
      continue;
    }
    try {
      await client.rotateToken(signal);
    } catch (error) {
      if (signal.aborted) return;
      log("warn", "token rotation failed; the current token stays in use", { message: String(error) });
      await sleep(Math.min(everyMs, 60_000), signal);
    }
  }
}

/** setTimeout's longest delay (about 24.8 days); a longer wait is taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;
