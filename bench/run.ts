/**
 * `npm run bench [-- --quick]`: starts a real `fawkes server` and 4 `fawkes agent` processes (through the
 * testing package) and prints the figures of issue 2's Performance section next to their targets and
 * Buildbot's figures; the scheduling figures again with the state in PostgreSQL, and the scale figures on both
 * stores (issue 13), and (as root) the workshop's commit → served (issue 16). Also writes
 * bench/results/latest.json. See bench/README.md for what each figure means.
 */
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { CleanupStack, startFawkes, startPostgres } from "@fawkes/testing";
import { engineFigures, startEngineBench, type BenchSizes } from "./lib/engine-bench.ts";
import { renderTable, verdict, type Figure } from "./lib/figures.ts";
import { shellToDevNullMs, triggerToComplete, trueDirectSamples } from "./lib/measure.ts";
import { OUTPUT_BYTES, outputCommand } from "./lib/pipelines.ts";
import { existsSync } from "node:fs";
import { benchCloud } from "./cloud/run.ts";
import { benchScale } from "./scale/run.ts";
import { benchSessionIssue } from "./identity/session-issue.ts";
import { benchTimingBounds } from "./timing-bounds.ts";
import { benchPolicyEvaluation } from "./iam/policy-eval.ts";
import { benchInstances } from "./instances.ts";
import { benchPhoenix } from "./phoenix.ts";
import { benchWorkshop, workshopSkipReason } from "./workshop.ts";
import { dashboardApi } from "./lib/dashboard.ts";
import { benchConsole } from "./ui/console.ts";
import { benchDashboardPage, benchStageEventLatency } from "./ui/dashboard.ts";
import { cpuMs, machineInfo, pssMiB, rssMiB } from "./lib/proc.ts";
import { summarize } from "./lib/stats.ts";

const { values: flags } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const quick = flags.quick === true;
const sizes = quick
  ? { latency: 5, hop: 5, overhead: 5, burstJobs: 25, bursts: 2, output: 1, agents: 4 }
  : { latency: 20, hop: 20, overhead: 20, burstJobs: 100, bursts: 10, output: 3, agents: 4 };

const figures: Figure[] = [];
function record(figure: Omit<Figure, "summary">): void {
  const full = { ...figure, summary: summarize(figure.samples) };
  figures.push(full);
  const s = full.summary;
  console.log(
    `  ${full.label}: median ${s.median.toFixed(2)} ${full.unit}, p90 ${s.p90.toFixed(2)} (n=${s.n}) ${verdict(full)}`,
  );
}

/** Median of a recorded figure (by id). */
function medianOf(id: string): number {
  const figure = figures.find((candidate) => candidate.id === id);
  if (figure === undefined) throw new Error(`no figure ${id} yet`);
  return figure.summary.median;
}

/**
 * The engine figures again on PostgreSQL: its own server and agents (the SQLite ones stay up, idle), then the
 * per-job overhead as a ratio to SQLite's. Everything it started is stopped before the next figures.
 */
async function postgresFigures(options: { sizes: BenchSizes; trueMs: number }): Promise<void> {
  console.log("PostgreSQL: starting a private cluster, a server and its agents…");
  const pgScope = new CleanupStack();
  try {
    const postgres = await startPostgres(pgScope);
    const bench = await startEngineBench(pgScope, { sizes: options.sizes, postgres });
    await engineFigures(bench, { store: "postgres", ...options, record });
    record({
      id: "server_rss_idle_mib_pg",
      label: "PostgreSQL: server RSS idle (after the first runs)",
      unit: "MiB",
      samples: [bench.idleRss],
      target: { max: 100, text: "≤ 100 MB" },
      peer: "—",
    });
  } finally {
    await pgScope.close();
  }
  for (const [base, text] of [
    ["job_overhead_no_materials_ms", "no materials"],
    ["job_overhead_checkout_ms", "clean checkout"],
  ] as const) {
    const pg = medianOf(`${base}_pg`);
    const sqlite = medianOf(base);
    record({
      id: `${base}_pg_ratio`,
      label: `per-job overhead, ${text}: PostgreSQL ÷ SQLite (medians)`,
      unit: "×",
      samples: [pg / sqlite],
      target: { max: 1.5, text: "≤ 1.5× (issue 13)" },
      peer: "—",
      note: `PostgreSQL ${pg.toFixed(1)} ms, SQLite ${sqlite.toFixed(1)} ms`,
    });
  }
}

/** Issue 3's figures, measured in headless Chromium against the built UI. */
async function uiFigures(scope: CleanupStack): Promise<void> {
  const page = await benchDashboardPage(scope, { runsEach: quick ? 100 : 1000, samples: quick ? 3 : 5 });
  record({
    id: "dashboard_fcp_ms",
    label: "dashboard first contentful paint (200 pipelines)",
    unit: "ms",
    samples: page.fcpMs,
    target: { max: 500, text: "≤ 500 ms (issue 3)" },
    peer: "—",
  });
  record({
    id: "dashboard_api_in_page_ms",
    label: "dashboard API as the page saw it",
    unit: "ms",
    samples: page.apiMs,
    target: { max: 50, text: "≤ 50 ms (issue 3)" },
    peer: "—",
  });
  const latency = await benchStageEventLatency(scope, { samples: quick ? 3 : 10 });
  record({
    id: "stage_event_to_dashboard_ms",
    label: "stage change recorded → shown on an open dashboard",
    unit: "ms",
    samples: latency,
    target: { max: 100, text: "≤ 100 ms (issue 3)" },
    peer: "—",
  });
  const consoleBench = await benchConsole({ megabytes: quick ? 10 : 50, steps: quick ? 30 : 100 });
  record({
    id: "console_long_task_ms",
    label: `console ${quick ? 10 : 50} MB log: longest task while scrolling`,
    unit: "ms",
    samples: [consoleBench.maxLongTaskMs],
    target: { max: 100, text: "≤ 100 ms (issue 3)" },
    peer: "—",
  });
  record({
    id: "console_heap_mib",
    label: `console ${quick ? 10 : 50} MB log: page JS heap`,
    unit: "MiB",
    samples: [consoleBench.heapMiB],
    target: { max: 200, text: "< 200 MB (issue 3)" },
    peer: "—",
  });
}

async function main(): Promise<void> {
  const machine = machineInfo();
  console.log(
    `nproc ${machine.nproc} · ${machine.cpu} · node ${machine.node} · ${machine.git} · load ${machine.loadavg}`,
  );
  console.log(quick ? "quick run (small samples)" : "full run");

  // Code changed since the last start compiles through Node's TypeScript stripper, which then stays resident:
  // a throwaway server and agent fill the compile cache, so the processes measured below are steady-state ones.
  console.log("warming the compile cache (a throwaway server and agent)…");
  const warmUp = new CleanupStack();
  await startFawkes(warmUp, { pipelineFiles: {}, agents: 1 }).finally(() => warmUp.close());

  const scope = new CleanupStack();
  try {
    console.log("warming up (first runs of every pipeline)…");
    const sqliteBench = await startEngineBench(scope, { sizes });
    const { context, agentPids, startRss, idleRss } = sqliteBench;
    const serverPid = context.serverPid;
    const outDir = context.outDir;

    console.log("measuring…");
    const trueMs = summarize(trueDirectSamples(20)).median;
    console.log(
      `  \`true\` run directly: median ${trueMs.toFixed(2)} ms (subtracted from the per-job overheads)`,
    );
    const { burstJobs } = await engineFigures(sqliteBench, { store: "sqlite", sizes, trueMs, record });

    const outputJob: number[] = [];
    const outputNullJob: number[] = [];
    const outputDirect: number[] = [];
    const outputToFile: number[] = [];
    const outputFile = path.join(outDir, "output-floor.txt");
    for (let index = 0; index < sizes.output; index++) {
      outputDirect.push(await shellToDevNullMs(outputCommand));
      outputToFile.push(await shellToDevNullMs(`${outputCommand} > '${outputFile}'; rm '${outputFile}'`));
      outputNullJob.push(await triggerToComplete(context, "outputnull"));
      outputJob.push(await triggerToComplete(context, "output"));
    }
    const directMedian = summarize(outputDirect).median;
    const nullJobMedian = summarize(outputNullJob).median;
    record({
      id: "output_100mb_ratio",
      label: `job printing ${OUTPUT_BYTES / 1e6} MB ÷ same command to /dev/null (direct)`,
      unit: "×",
      samples: outputJob.map((ms) => ms / directMedian),
      target: { max: 1.2, text: "≤ 1.2×" },
      peer: "—",
      note: `job ${summarize(outputJob).median.toFixed(0)} ms, direct ${directMedian.toFixed(0)} ms`,
    });
    record({
      id: "output_100mb_vs_null_job_ratio",
      label: `job printing ${OUTPUT_BYTES / 1e6} MB ÷ job with output to /dev/null`,
      unit: "×",
      samples: outputJob.map((ms) => ms / nullJobMedian),
      target: null,
      peer: "—",
      note: `/dev/null job ${nullJobMedian.toFixed(0)} ms`,
    });
    // What keeping the output costs at all: the same command writing to a file on this disk, no Fawkes.
    record({
      id: "output_100mb_to_file_ratio",
      label: `same command to a local file ÷ to /dev/null (direct, the floor)`,
      unit: "×",
      samples: outputToFile.map((ms) => ms / directMedian),
      target: null,
      peer: "—",
      note: `to a file ${summarize(outputToFile).median.toFixed(0)} ms`,
    });

    // Memory: 1,000 consecutive jobs in a full run (bursts); a quick run reports after what it ran.
    record({
      id: "server_rss_start_mib",
      label: "server RSS at start (first runs starting)",
      unit: "MiB",
      samples: [startRss],
      target: null,
      peer: "",
    });
    record({
      id: "server_rss_idle_mib",
      label: "server RSS idle (after the first runs)",
      unit: "MiB",
      samples: [idleRss],
      target: { max: 100, text: "≤ 100 MB" },
      peer: "94 MiB",
    });
    record({
      id: "server_rss_after_jobs_mib",
      label: `server RSS after ${burstJobs} burst jobs (+ the rest)`,
      unit: "MiB",
      samples: [rssMiB(serverPid)],
      target: { max: 200, text: "≤ 200 MB after 1,000" },
      peer: "98 MiB after ~300",
    });
    record({
      id: "agent_rss_mib",
      label: "agent RSS (each of the agents)",
      unit: "MiB",
      samples: agentPids.map((pid) => rssMiB(pid)),
      target: { max: 60, text: "≤ 60 MB" },
      peer: "~50 MiB (worker)",
    });
    record({
      id: "server_pss_mib",
      label: "server PSS at the end (shared pages split)",
      unit: "MiB",
      samples: [pssMiB(serverPid)],
      target: null,
      peer: "—",
    });
    record({
      id: "agent_pss_mib",
      label: "agent PSS (each of the agents)",
      unit: "MiB",
      samples: agentPids.map((pid) => pssMiB(pid)),
      target: null,
      peer: "—",
    });
    const serverCpuTotal = cpuMs(serverPid);

    // Issue 13: the same engine figures with the state in PostgreSQL (a private cluster on this machine).
    await postgresFigures({ sizes, trueMs });

    // Issue 13: 1,000 simulated agents, 2,000 pipelines, 1,000,000 job runs (100,000 quick), on both stores.
    await benchScale({ quick, stores: ["sqlite", "postgres"], record });

    // Issue 3: the dashboard's API at 200 pipelines × 1,000 runs (its own server on a seeded database).
    const dashboard = await dashboardApi(scope, {
      pipelines: 200,
      runsEach: quick ? 100 : 1000,
      samples: quick ? 5 : 20,
    });
    record({
      id: "dashboard_api_ms",
      label: `dashboard API, 200 pipelines × ${quick ? 100 : 1000} runs`,
      unit: "ms",
      samples: dashboard.samples,
      target: { max: 50, text: "≤ 50 ms (issue 3)" },
      peer: "—",
    });
    if (existsSync(process.env.FAWKES_CHROMIUM ?? "/usr/bin/chromium")) await uiFigures(scope);
    else console.log("  (web UI figures skipped: no Chromium at /usr/bin/chromium)");
    // Issue 4: the S3 endpoint (its own process) against plain file copies and client counts.
    for (const figure of await benchCloud({ quick })) record(figure);
    // Issue 14: what a job's role session adds to job start, on both stores.
    for (const figure of await benchSessionIssue({ quick })) record(figure);
    // Timings the tests no longer assert on the wall clock (YAML scaling, health during a hostile config parse).
    for (const figure of await benchTimingBounds({ quick })) record(figure);
    // Issue 14: IAM policy evaluation, in this process (no I/O).
    for (const figure of benchPolicyEvaluation({ quick })) record(figure);
    // Issue 15: phoenix instances at once (needs root: namespaces and overlay mounts).
    if (process.getuid?.() === 0) for (const figure of await benchInstances({ quick })) record(figure);
    else console.log("  (instance figures skipped: not root)");
    // Issue 15: a phoenix deploy end to end (stack create, signal, address move, previous stack deleted).
    if (process.getuid?.() === 0) for (const figure of await benchPhoenix({ quick })) record(figure);
    else console.log("  (phoenix deploy figures skipped: not root)");
    // Issue 16: the workshop end to end, `fawkes up` and commits to the example until the new page is served.
    const workshopSkip = workshopSkipReason();
    if (workshopSkip === undefined) for (const figure of await benchWorkshop({ quick })) record(figure);
    else console.log(`  (workshop figures skipped: ${workshopSkip})`);
    // The agents again, idle since the core figures (minutes): V8 gives back its young generation only once
    // allocation stops, so this is what a waiting agent holds (Buildbot's worker figure is read idle too).
    record({
      id: "agent_rss_idle_mib",
      label: "agent RSS once idle (after the UI and cloud figures)",
      unit: "MiB",
      samples: agentPids.map((pid) => rssMiB(pid)),
      target: null,
      peer: "~50 MiB (worker, idle_end)",
    });

    console.log(`\n${renderTable(figures)}\n`);
    const resultsDir = path.join(import.meta.dirname, "results");
    await mkdir(resultsDir, { recursive: true });
    const file = path.join(resultsDir, "latest.json");
    const report = {
      tool: "fawkes npm run bench",
      date: new Date().toISOString(),
      quick,
      sizes,
      machine,
      trueDirectMs: trueMs,
      serverCpuTotalMs: serverCpuTotal,
      figures: figures.map((figure) => ({ ...figure, verdict: verdict(figure) })),
    };
    await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
    console.log(`results: ${path.relative(process.cwd(), file)}`);
  } finally {
    await scope.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
