/**
 * The engine's figures on one store: a server with the bench pipelines and its agents (fresh repositories and
 * stamp directory, so two servers never read each other's stamps), warmed up, then commit → first task, stage
 * → next stage, per-job overhead, throughput and server CPU per job. run.ts measures them on SQLite and again
 * on PostgreSQL.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  createGitRepo,
  startFawkes,
  tempDir,
  waitFor,
  type CleanupScope,
  type Fawkes,
  type Postgres,
} from "@fawkes/testing";
import type { Figure } from "./figures.ts";
import { burst, commitToFirstTask, perJobOverhead, stageToNextStage, type BenchContext } from "./measure.ts";
import { benchPipelineNames, benchPipelines } from "./pipelines.ts";
import { processTreeCpuMs, rssMiB } from "./proc.ts";

export interface BenchSizes {
  latency: number;
  hop: number;
  overhead: number;
  burstJobs: number;
  bursts: number;
  agents: number;
}

export type Store = "sqlite" | "postgres";

/** A figure before run.ts summarizes it. */
export type RawFigure = Omit<Figure, "summary">;

export interface EngineBench {
  fawkes: Fawkes;
  context: BenchContext;
  agentPids: number[];
  /** Server RSS right after start (the pipelines' first runs being scheduled) and once they are done. */
  startRss: number;
  idleRss: number;
}

/**
 * Starts the server (on a fresh database of `postgres` when given, else on SQLite) and its agents, and runs
 * every pipeline once.
 */
export async function startEngineBench(
  scope: CleanupScope,
  options: { sizes: BenchSizes; postgres?: Postgres },
): Promise<EngineBench> {
  const { postgres } = options;
  const outDir = await tempDir(scope, "fawkes-bench-out-");
  const latencyRepo = await createGitRepo(scope, { "README.md": "latency\n" });
  const sharedRepo = await createGitRepo(scope, { "README.md": "shared\n", "src/app.txt": "small repo\n" });
  const yaml = benchPipelines({
    latencyRepo: latencyRepo.path,
    sharedRepo: sharedRepo.path,
    outDir,
    burstJobs: options.sizes.burstJobs,
  });
  const fawkes = await startFawkes(scope, {
    pipelineFiles: { "bench.gocd.yaml": yaml },
    expectPipelines: [...benchPipelineNames],
    agents: options.sizes.agents,
    serverEnv: { FAWKES_LOG_LEVEL: "warn" },
    database: postgres === undefined ? "sqlite" : await postgres.createDatabase(),
  });
  const serverPid = fawkes.server.process.child.pid as number;
  const agentPids = fawkes.agents.map((agent) => agent.process.child.pid as number);
  const context: BenchContext = { api: fawkes.api, outDir, latencyRepo, serverPid };
  if (postgres !== undefined) {
    const postmaster = Number(
      (await readFile(path.join(postgres.dataDir, "postmaster.pid"), "utf8")).split("\n")[0],
    );
    context.storeCpuMs = () => processTreeCpuMs(postmaster);
  }

  // A new pipeline runs as soon as its material is first seen (as in GoCD), so at this point the first runs
  // are being scheduled: "idle" is measured once they are done.
  const startRss = rssMiB(serverPid);
  await fawkes.api.notify(latencyRepo.path);
  await fawkes.api.notify(sharedRepo.path);
  await waitForQuiet(fawkes);
  return { fawkes, context, agentPids, startRss, idleRss: rssMiB(serverPid) };
}

async function waitForQuiet(fawkes: Fawkes): Promise<void> {
  await waitFor(
    async () => {
      for (const name of benchPipelineNames) {
        const status = await fawkes.api.status(name, 5);
        if (status.runs.some((run) => run.result === "building")) return false;
      }
      return true;
    },
    { timeoutMs: 180_000, intervalMs: 200, message: "every warm-up run to finish" },
  );
}

const STORE_NAMES: Record<Store, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

/**
 * The scheduling figures, each handed to `record` as soon as it is measured; returns how many burst jobs ran.
 * On SQLite the ids and labels are the bench's historical ones; on PostgreSQL they end in `_pg` and start with
 * the store's name.
 */
export async function engineFigures(
  bench: EngineBench,
  options: { store: Store; sizes: BenchSizes; trueMs: number; record: (figure: RawFigure) => void },
): Promise<{ burstJobs: number }> {
  const { context } = bench;
  const { sizes, trueMs, store } = options;
  const sqlite = store === "sqlite";
  const id = (base: string) => (sqlite ? base : `${base}_pg`);
  const label = (text: string) => (sqlite ? text : `${STORE_NAMES[store]}: ${text}`);
  const peer = (text: string) => (sqlite ? text : "—");
  const record = (figure: RawFigure) =>
    options.record({ ...figure, id: id(figure.id), label: label(figure.label), peer: peer(figure.peer) });

  record({
    id: "commit_to_first_task_ms",
    label: "commit (notify) → first task start, with checkout",
    unit: "ms",
    samples: await commitToFirstTask(context, sizes.latency),
    target: { max: 100, text: "≤ 100 ms" },
    peer: "85 ms (no checkout) / ~455 ms (clean checkout)",
  });
  record({
    id: "stage_to_next_stage_ms",
    label: "stage passed → next stage first task, with checkout",
    unit: "ms",
    samples: await stageToNextStage(context, "hop", sizes.hop),
    target: { max: 50, text: "≤ 50 ms" },
    peer: "—",
  });
  record({
    id: "stage_to_next_stage_no_fetch_ms",
    label: "stage passed → next stage first task, fetch_materials: false",
    unit: "ms",
    samples: await stageToNextStage(context, "hopnofetch", sizes.hop),
    target: { max: 50, text: "≤ 50 ms" },
    peer: "—",
  });
  record({
    id: "job_overhead_no_materials_ms",
    label: "per-job overhead (`true`), no materials",
    unit: "ms",
    samples: await perJobOverhead(context, "noop", sizes.overhead, trueMs),
    target: { max: 25, text: "≤ 25 ms" },
    peer: "275 ms trigger → complete",
  });
  record({
    id: "job_overhead_checkout_ms",
    label: "per-job overhead (`true`), clean checkout",
    unit: "ms",
    samples: await perJobOverhead(context, "noopcheckout", sizes.overhead, trueMs),
    target: { max: 60, text: "≤ 60 ms" },
    peer: "572 ms trigger → complete",
  });

  const bursts = [];
  for (let index = 0; index < sizes.bursts; index++) bursts.push(await burst(context));
  record({
    id: "throughput_jobs_per_s",
    label: `throughput, ${sizes.burstJobs} trivial jobs on ${sizes.agents} agents`,
    unit: "jobs/s",
    samples: bursts.map((sample) => sample.jobsPerSecond),
    target: { min: 30, text: "≥ 30 jobs/s" },
    peer: "~3 builds/s",
  });
  record({
    id: "server_cpu_per_job_ms",
    label: sqlite
      ? "server CPU per trivial job"
      : "server CPU per trivial job (PostgreSQL's own not included)",
    unit: "ms",
    samples: bursts.map((sample) => sample.serverCpuMsPerJob),
    target: { max: 10, text: "≤ 10 ms" },
    peer: "270 ms",
  });
  // SQLite works inside the server process; PostgreSQL's share of the work is in its own processes.
  if (!sqlite)
    record({
      id: "server_and_store_cpu_per_job_ms",
      label: "server + PostgreSQL CPU per trivial job",
      unit: "ms",
      samples: bursts.map((sample) => sample.serverCpuMsPerJob + sample.storeCpuMsPerJob),
      target: null,
      peer: "—",
    });
  return { burstJobs: bursts.reduce((sum, sample) => sum + sample.jobs, 0) };
}
