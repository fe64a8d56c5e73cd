import { execFileSync } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import type { EnvVar, ExecTask, JobAssignment, JobRunId, LeaseId, Task } from "@fawkes/protocol";
import { startAgent } from "@fawkes/agent";
import type { AgentLog, RunningAgent } from "@fawkes/agent";
import { waitFor as sharedWaitFor } from "@fawkes/testing";
import { FakeServer } from "./fake-server.ts";

export async function tempDir(t: TestContext, prefix = "fawkes-agent-"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Polls `condition` until it holds or the deadline passes (then throws with `what`): the shared waitFor. */
export async function waitFor(
  what: string,
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  await sharedWaitFor(condition, { message: what, timeoutMs, intervalMs: 20 });
}

const gitEnv = {
  ...process.env,
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@t",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@t",
};

export function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, env: gitEnv, encoding: "utf8" }).trim();
}

/** A repository with two commits: `version.txt` is "one" then "two". Returns the url and both revisions. */
export async function twoCommitRepo(t: TestContext): Promise<{ url: string; first: string; second: string }> {
  const dir = await tempDir(t, "fawkes-repo-");
  git(dir, "init", "--quiet", "--initial-branch=main");
  await writeFile(join(dir, "version.txt"), "one\n");
  git(dir, "add", ".");
  git(dir, "commit", "--quiet", "-m", "first");
  const first = git(dir, "rev-parse", "HEAD");
  await writeFile(join(dir, "version.txt"), "two\n");
  git(dir, "commit", "--quiet", "-am", "second");
  return { url: dir, first, second: git(dir, "rev-parse", "HEAD") };
}

export async function startServer(t: TestContext): Promise<FakeServer> {
  const server = new FakeServer();
  await server.start();
  t.after(() => server.stop());
  return server;
}

export async function startTestAgent(
  t: TestContext,
  server: FakeServer,
  workDir?: string,
  log?: AgentLog,
): Promise<RunningAgent> {
  const agent = await startAgent({
    ...(log ? { log } : {}),
    serverUrl: server.url,
    key: "test-key",
    name: "test-agent",
    resources: [],
    environments: [],
    workDir: workDir ?? (await tempDir(t)),
    workWaitMs: 1_000,
  });
  t.after(() => agent.stop());
  return agent;
}

export function exec(command: string, args: string[], extra: Partial<ExecTask> = {}): Task {
  return {
    kind: "exec",
    command,
    arguments: args,
    workingDirectory: "",
    runIf: ["passed"],
    onCancel: null,
    ...extra,
  };
}

export function sh(script: string, extra: Partial<ExecTask> = {}): Task {
  return exec("sh", ["-c", script], extra);
}

let nextJobRunId = 1;

export function jobAssignment(overrides: Partial<JobAssignment> = {}): JobAssignment {
  const id = nextJobRunId++;
  const environment: EnvVar[] = [{ name: "GO_PIPELINE_NAME", value: "demo", secure: false }];
  return {
    leaseId: `lease-${id}-${process.pid}` as LeaseId,
    jobRunId: id as JobRunId,
    locator: { pipeline: "demo", counter: id, stage: "build", stageCounter: 1, job: "compile" },
    label: String(id),
    environment,
    materials: [],
    fetchMaterials: true,
    cleanWorkspace: true,
    tasks: [],
    artifacts: [],
    noOutputTimeoutMs: null,
    ...overrides,
  };
}

/** Assigns a job and waits until the agent reported its result. */
export async function runToCompletion(
  server: FakeServer,
  job: JobAssignment,
  timeoutMs = 15_000,
): Promise<string> {
  const record = server.assign(job);
  await waitFor(`job ${job.jobRunId} to complete`, () => record.result !== undefined, timeoutMs);
  return record.result!;
}

/** Alive and not a zombie (an unreaped zombie has already been killed). */
export async function processAlive(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

export async function readPid(file: string): Promise<number | undefined> {
  try {
    const text = await readFile(file, "utf8");
    return /^\d+\n$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A `sleep` with a duration no other process uses, found by its command line: a task may run in a PID
 * namespace of its job, where `$!` is not the pid this test process sees.
 */
export function uniqueSleep(): { command: string; alive(): Promise<boolean> } {
  const duration = `1000.${process.pid}${Math.floor(Math.random() * 1e9)}`;
  const wanted = `sleep\0${duration}\0`;
  return {
    command: `sleep ${duration}`,
    async alive() {
      for (const entry of await readdir("/proc")) {
        if (!/^\d+$/.test(entry)) continue;
        const cmdline = await readFile(`/proc/${entry}/cmdline`, "latin1").catch(() => "");
        if (cmdline === wanted && (await processAlive(Number(entry)))) return true;
      }
      return false;
    },
  };
}
