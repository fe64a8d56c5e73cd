/**
 * The measurements. Each returns raw samples; run.ts summarizes and prints them. Times of "task started" come
 * from the task itself (`date +%s%N`); times of "job/stage completed" from the server's completedAt (same host
 * clock); "sent" times from the bench just before its HTTP request.
 */
import { spawn, spawnSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { PipelineRunDto } from "@fawkes/protocol";
import { waitFor, waitForRun, type ApiClient, type GitRepo } from "@fawkes/testing";
import { cpuMs } from "./proc.ts";
import { nanosToMs, nowMs } from "./stats.ts";

export interface BenchContext {
  api: ApiClient;
  outDir: string;
  latencyRepo: GitRepo;
  serverPid: number;
  /** CPU used so far by a store outside the server process (PostgreSQL's processes), ms; none for SQLite. */
  storeCpuMs?: () => number;
}

const finished = (run: PipelineRunDto) => run.result !== "building";

async function runToEnd(api: ApiClient, pipeline: string, counter: number): Promise<PipelineRunDto> {
  const run = await waitForRun(api, pipeline, counter, finished, { timeoutMs: 120_000, intervalMs: 20 });
  if (run.result !== "passed") throw new Error(`bench run ${pipeline}/${counter} ended ${run.result}`);
  return run;
}

async function stampOf(context: BenchContext, name: string, counter: number): Promise<number> {
  const file = path.join(context.outDir, `${name}-${counter}`);
  return nanosToMs(await waitFor(() => readFile(file, "utf8"), { timeoutMs: 10_000, message: file }));
}

const lastCompletedAt = (run: PipelineRunDto): number => {
  const times = run.stages.map((stage) => stage.completedAt ?? Number.NaN);
  return Math.max(...times);
};

/** Commit → `POST /materials/notify` → the run's first task starts (includes the clean checkout). */
export async function commitToFirstTask(context: BenchContext, samples: number): Promise<number[]> {
  const result: number[] = [];
  const newestCounter = async () => (await context.api.status("latency", 1)).runs[0]?.counter ?? 0;
  for (let index = 0; index < samples; index++) {
    const previous = await newestCounter();
    await context.latencyRepo.commit({ "counter.txt": `${index}\n` }, `bench commit ${index}`);
    const sentAt = nowMs();
    await context.api.notify(context.latencyRepo.path);
    // The check runs in the background: wait for the new run to appear.
    const counter = await waitFor(
      async () => ((await newestCounter()) > previous ? newestCounter() : undefined),
      {
        timeoutMs: 30_000,
        intervalMs: 20,
        message: "a new latency run",
      },
    );
    await runToEnd(context.api, "latency", counter);
    result.push((await stampOf(context, "latency", counter)) - sentAt);
  }
  return result;
}

/** Stage a's completedAt (server) → stage b's first task start (task's own clock reading). */
export async function stageToNextStage(
  context: BenchContext,
  pipeline: string,
  samples: number,
): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < samples; index++) {
    const { counter } = await context.api.trigger(pipeline);
    const run = await runToEnd(context.api, pipeline, counter);
    const stageA = run.stages.find((stage) => stage.name === "a");
    if (stageA?.completedAt == null) throw new Error(`stage a of ${pipeline}/${counter} has no completedAt`);
    result.push((await stampOf(context, pipeline, counter)) - stageA.completedAt);
  }
  return result;
}

/** Wall time of running a command directly (spawn → exit), in ms. */
export function directRunMs(command: string, args: string[]): number {
  const started = nowMs();
  const outcome = spawnSync(command, args, { stdio: "ignore" });
  if (outcome.status !== 0) throw new Error(`${command} exited ${outcome.status}`);
  return nowMs() - started;
}

/** `samples` direct runs of `true` (the baseline the per-job overhead subtracts). */
export function trueDirectSamples(samples: number): number[] {
  return Array.from({ length: samples }, () => directRunMs("true", []));
}

/** Trigger → last stage completed, minus the median time of running `true` directly. */
export async function perJobOverhead(
  context: BenchContext,
  pipeline: string,
  samples: number,
  trueMs: number,
): Promise<number[]> {
  const result: number[] = [];
  for (let index = 0; index < samples; index++) {
    const sentAt = nowMs();
    const { counter } = await context.api.trigger(pipeline);
    const run = await runToEnd(context.api, pipeline, counter);
    result.push(lastCompletedAt(run) - sentAt - trueMs);
  }
  return result;
}

export interface BurstSample {
  jobs: number;
  jobsPerSecond: number;
  serverCpuMsPerJob: number;
  /** The store's own processes' CPU per job (BenchContext `storeCpuMs`), or NaN without one. */
  storeCpuMsPerJob: number;
}

/** One run of the `burst` pipeline (N parallel `true` jobs over the agents): jobs/s and server CPU per job. */
export async function burst(context: BenchContext): Promise<BurstSample> {
  const cpuBefore = cpuMs(context.serverPid);
  const storeCpuBefore = context.storeCpuMs?.() ?? Number.NaN;
  const sentAt = nowMs();
  const { counter } = await context.api.trigger("burst");
  // Coarse polling here: every request costs server CPU, which this figure measures.
  const run = await waitForRun(context.api, "burst", counter, finished, {
    timeoutMs: 300_000,
    intervalMs: 250,
  });
  const cpuAfter = cpuMs(context.serverPid);
  const storeCpuAfter = context.storeCpuMs?.() ?? Number.NaN;
  if (run.result !== "passed") throw new Error(`burst ${counter} ended ${run.result}`);
  const jobs = run.stages.flatMap((stage) => stage.jobs);
  const lastJobAt = Math.max(...jobs.map((job) => job.completedAt ?? Number.NaN));
  return {
    jobs: jobs.length,
    jobsPerSecond: jobs.length / ((lastJobAt - sentAt) / 1000),
    serverCpuMsPerJob: (cpuAfter - cpuBefore) / jobs.length,
    storeCpuMsPerJob: (storeCpuAfter - storeCpuBefore) / jobs.length,
  };
}

/** Trigger → completion of one run, ms. */
export async function triggerToComplete(context: BenchContext, pipeline: string): Promise<number> {
  const sentAt = nowMs();
  const { counter } = await context.api.trigger(pipeline);
  const run = await runToEnd(context.api, pipeline, counter);
  return lastCompletedAt(run) - sentAt;
}

/** Wall time of `sh -c command` with stdout to /dev/null, ms (async so the event loop keeps running). */
export function shellToDevNullMs(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = nowMs();
    const child = spawn("sh", ["-c", command], { stdio: ["ignore", "ignore", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(nowMs() - started) : reject(new Error(`sh exited ${code}`)),
    );
  });
}
