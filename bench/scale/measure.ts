/**
 * The scale figures on one running server: job → idle agent, the dashboard API, idle CPU. RSS is read by the
 * runner (lib/proc.ts).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { ApiRoutes, type PipelineListDto } from "@fawkes/protocol";
import { waitFor, type ApiClient } from "@fawkes/testing";
import { cpuMs } from "../lib/proc.ts";
import { nowMs } from "../lib/stats.ts";
import { MEASURED_PIPELINE, STAGES } from "./pipelines.ts";
import type { Assignment, SimulatedAgents } from "./sim-agents.ts";

/**
 * Job scheduled → assignment read by an idle simulated agent, in ms, one sample per job: triggers the measured
 * pipeline `runs` times, one run at a time (each run's two stages give two samples: the `build` job scheduled
 * by the trigger, the `test` job scheduled when `build` passed). "Scheduled" is the job's `scheduledAt` as the
 * server recorded it (epoch ms, same host clock, so up to 1 ms early); the run must be over before the next.
 */
export async function dispatchSamples(
  api: ApiClient,
  agents: SimulatedAgents,
  runs: number,
): Promise<number[]> {
  const received = new Map<string, Assignment>();
  agents.onAssignment = (assignment) => {
    const { pipeline, counter, stage } = assignment.job.locator;
    received.set(`${pipeline}/${counter}/${stage}`, assignment);
  };
  const samples: number[] = [];
  for (let index = 0; index < runs; index++) {
    const { counter } = await api.trigger(MEASURED_PIPELINE);
    // Only the bench's own map until the last job is out: no API polling while the jobs are being dispatched.
    const last = `${MEASURED_PIPELINE}/${counter}/${STAGES[STAGES.length - 1]}`;
    await waitFor(() => received.has(last), {
      timeoutMs: 30_000,
      intervalMs: 2,
      message: `the assignment of ${last}`,
    });
    const run = await waitFor(
      async () => {
        const current = await api.run(MEASURED_PIPELINE, counter);
        return current.result !== "building" && current;
      },
      { timeoutMs: 30_000, intervalMs: 20, message: `${MEASURED_PIPELINE} run ${counter} to finish` },
    );
    if (run.result !== "passed") throw new Error(`${MEASURED_PIPELINE} run ${counter} ${run.result}`);
    for (const stageName of STAGES) {
      const stage = run.stages.find((candidate) => candidate.name === stageName);
      const job = stage?.jobs[0];
      const assignment = received.get(`${MEASURED_PIPELINE}/${counter}/${stageName}`);
      if (job === undefined || assignment === undefined)
        throw new Error(`no assignment seen for ${MEASURED_PIPELINE}/${counter}/${stageName}`);
      samples.push(assignment.receivedAt - job.scheduledAt);
    }
  }
  agents.onAssignment = () => {};
  return samples;
}

/** `GET /api/v1/pipelines` (what the web dashboard reads) `count` times in a row, checking every answer. */
export async function dashboardSamples(api: ApiClient, count: number, pipelines: number): Promise<number[]> {
  const samples: number[] = [];
  for (let index = 0; index < count; index++) {
    const started = nowMs();
    const response = await api.request("GET", ApiRoutes.pipelines);
    const body = (await response.json()) as PipelineListDto;
    const elapsed = nowMs() - started;
    if (body.pipelines.length !== pipelines)
      throw new Error(`the dashboard listed ${body.pipelines.length} pipelines, not ${pipelines}`);
    samples.push(elapsed);
  }
  return samples;
}

/**
 * CPU of the server (and of the store's processes, when given) over `windowMs` of wall time with nothing
 * scheduled, as % of one core.
 */
export async function idleCpu(
  serverPid: number,
  windowMs: number,
  storeCpuMs?: () => number,
): Promise<{ serverPct: number; storePct: number | null }> {
  const started = nowMs();
  const server0 = cpuMs(serverPid);
  const store0 = storeCpuMs?.();
  await sleep(windowMs);
  const wall = nowMs() - started;
  const server = cpuMs(serverPid) - server0;
  const store = store0 === undefined || storeCpuMs === undefined ? null : storeCpuMs() - store0;
  return {
    serverPct: (100 * server) / wall,
    storePct: store === null ? null : (100 * store) / wall,
  };
}
