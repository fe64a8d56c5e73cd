/**
 * The scale figures on one running server: job → idle agent, the dashboard API, idle CPU. RSS is read by the
 * runner (lib/proc.ts).
 */
import http from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { ApiRoutes, type PipelineListDto } from "@fawkes/protocol";
import { waitFor, type ApiClient } from "@fawkes/testing";
import { cpuMs } from "../lib/proc.ts";
import { nowMs } from "../lib/stats.ts";
import { MEASURED_PIPELINE, STAGES } from "./pipelines.ts";
import { monotonicUs } from "./profile-summary.ts";
import type { Assignment, SimulatedAgents } from "./sim-agents.ts";

/**
 * Job scheduled → assignment read by an idle simulated agent, in ms, one sample per job: triggers the measured
 * pipeline `runs` times, one run at a time (each run's two stages give two samples: the `build` job scheduled
 * by the trigger, the `test` job scheduled when `build` passed). "Scheduled" is the job's `scheduledAt` as the
 * server recorded it (whole epoch ms, same host clock: a sample may read up to 1 ms long); the run must be over before the next.
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

/**
 * `GET /api/v1/pipelines` (what the web dashboard reads) `count` times in a row on one kept-alive connection:
 * request sent → last byte of the answer (about 1 KiB per pipeline). Each answer is parsed and checked after
 * the clock stops: parsing 2 MB of JSON is the browser's work, not the API's.
 */
export async function dashboardSamples(
  server: { url: string; token: string },
  count: number,
  pipelines: number,
): Promise<number[]> {
  const pool = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = `${server.url}${ApiRoutes.pipelines}`;
  const headers = { authorization: `Bearer ${server.token}` };
  const get = () =>
    new Promise<{ ms: number; status: number; text: string }>((resolve, reject) => {
      const started = nowMs();
      http
        .get(url, { headers, agent: pool }, (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", reject);
          response.on("end", () => {
            const ms = nowMs() - started;
            resolve({ ms, status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") });
          });
        })
        .on("error", reject);
    });
  const samples: number[] = [];
  try {
    for (let index = 0; index < count; index++) {
      const { ms, status, text } = await get();
      const listed = status === 200 ? (JSON.parse(text) as PipelineListDto).pipelines.length : -1;
      if (listed !== pipelines)
        throw new Error(`the dashboard API answered ${status} with ${listed} pipelines, not ${pipelines}`);
      samples.push(ms);
    }
  } finally {
    pool.destroy();
  }
  return samples;
}

/**
 * Waits until the server has settled: less than `maxPct` % of a core over a 500 ms window (after 900 agents
 * joined it is still busy for a while once they all poll, and a figure taken then measures the joining).
 */
export async function waitForQuietServer(serverPid: number, maxPct = 5): Promise<void> {
  let last = cpuMs(serverPid);
  await waitFor(
    () => {
      const now = cpuMs(serverPid);
      const busy = now - last;
      last = now;
      return busy <= (maxPct / 100) * 500;
    },
    { timeoutMs: 120_000, intervalMs: 500, message: "the server to settle" },
  );
}

/**
 * CPU of the server (and of the store's processes, when given) over `windowMs` of wall time with nothing
 * scheduled, as % of one core.
 */
export async function idleCpu(
  serverPid: number,
  windowMs: number,
  storeCpuMs?: () => number,
): Promise<{ serverPct: number; storePct: number | null; window: { fromUs: number; toUs: number } }> {
  const fromUs = monotonicUs();
  const started = nowMs();
  const server0 = cpuMs(serverPid);
  const store0 = storeCpuMs?.();
  await sleep(windowMs);
  const wall = nowMs() - started;
  const toUs = monotonicUs();
  const server = cpuMs(serverPid) - server0;
  const store = store0 === undefined || storeCpuMs === undefined ? null : storeCpuMs() - store0;
  return {
    serverPct: (100 * server) / wall,
    storePct: store === null ? null : (100 * store) / wall,
    window: { fromUs, toUs },
  };
}
