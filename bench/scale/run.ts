/**
 * Issue 13's scale figures: a server with 2,000 pipelines and 1,000,000 historical job runs, on SQLite and on
 * PostgreSQL, with 10, then 100, then 1,000 simulated agents long-polling (added to the same server): job →
 * idle agent (p99), the dashboard API, server RSS and idle CPU at each size, and a table of how they grow.
 *
 *   node bench/scale/run.ts [--quick] [--store sqlite|postgres|both]
 *
 * Alone, it prints its table and merges its figures into bench/results/latest.json; `npm run bench` calls
 * `benchScale` with its own `record`. `--quick` seeds 100,000 job runs and idles 25 s instead of 50 s (the
 * labels say so). BENCH_SCALE_SERVER_PROF=DIR writes a V8 CPU profile of the measured server into DIR, and the
 * idle windows beside it: `node bench/scale/profile-summary.ts DIR` tells where the idle CPU went.
 */
import { existsSync } from "node:fs";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { CleanupStack, startPostgres, waitFor, type ApiClient } from "@fawkes/testing";
import type { RawFigure, Store } from "../lib/engine-bench.ts";
import { renderTable, verdict, type Figure } from "../lib/figures.ts";
import { machineInfo, rssMiB } from "../lib/proc.ts";
import { percentileOf, summarize } from "../lib/stats.ts";
import { dashboardSamples, dispatchSamples, idleCpu, waitForQuietServer } from "./measure.ts";
import { monotonicUs, type IdleWindow } from "./profile-summary.ts";
import { startScaleServer } from "./server.ts";
import { SimulatedAgents, WORK_WAIT_MS } from "./sim-agents.ts";

export interface ScaleSizes {
  pipelines: number;
  /** Runs seeded per pipeline; each has 2 job runs. */
  runsEach: number;
  /** Agent counts, grown on the same server. */
  steps: readonly number[];
  /** Triggered runs per step (2 dispatch samples each). */
  dispatchRuns: number;
  dashboardSamples: number;
  /**
   * A whole number of long polls (WORK_WAIT_MS): agents that joined together renew their polls together, in a
   * wave every 25 s, so a 10 s or 30 s window would hold no wave or two depending on where it falls.
   */
  idleWindowMs: number;
}

export function scaleSizes(quick: boolean): ScaleSizes {
  return quick
    ? {
        pipelines: 2000,
        runsEach: 25,
        steps: [10, 100, 1000],
        dispatchRuns: 20,
        dashboardSamples: 20,
        idleWindowMs: WORK_WAIT_MS,
      }
    : {
        pipelines: 2000,
        runsEach: 250,
        steps: [10, 100, 1000],
        dispatchRuns: 100,
        dashboardSamples: 50,
        idleWindowMs: 2 * WORK_WAIT_MS,
      };
}

const STORE_NAMES: Record<Store, string> = { sqlite: "SQLite", postgres: "PostgreSQL" };

interface StepRow {
  agents: number;
  dispatch: number[];
  dashboard: number[];
  rss: number;
  cpu: { serverPct: number; storePct: number | null };
}

export async function benchScale(options: {
  quick: boolean;
  stores: readonly Store[];
  record: (figure: RawFigure) => void;
  sizes?: ScaleSizes;
}): Promise<void> {
  const sizes = options.sizes ?? scaleSizes(options.quick);
  for (const store of options.stores) await benchStore(store, sizes, options);
}

async function benchStore(
  store: Store,
  sizes: ScaleSizes,
  options: { quick: boolean; record: (figure: RawFigure) => void },
): Promise<void> {
  const storeName = STORE_NAMES[store];
  const jobRuns = sizes.pipelines * sizes.runsEach * 2;
  const history = `${sizes.pipelines.toLocaleString("en")} pipelines, ${jobRuns.toLocaleString("en")} job runs${options.quick ? " (quick)" : ""}`;
  const idleSeconds = sizes.idleWindowMs / 1000;
  console.log(`scale on ${storeName}: ${history}; seeding and starting the server…`);
  const scope = new CleanupStack();
  try {
    const postgres = store === "postgres" ? await startPostgres(scope) : undefined;
    const profDir = process.env.BENCH_SCALE_SERVER_PROF;
    if (profDir !== undefined) await mkdir(profDir, { recursive: true });
    const scale = await startScaleServer(scope, {
      pipelines: sizes.pipelines,
      runsEach: sizes.runsEach,
      ...(postgres !== undefined && { postgres }),
      ...(profDir !== undefined && {
        env: { NODE_OPTIONS: `--cpu-prof --cpu-prof-dir=${path.resolve(profDir)}` },
      }),
    });
    const { server, pid } = scale;
    options.record({
      id: `scale_seed_s_${store}`,
      label: `scale ${storeName}: seeding ${jobRuns.toLocaleString("en")} job runs into the store`,
      unit: "s",
      samples: [scale.seedMs / 1000],
      target: null,
      peer: "—",
    });
    const agents = new SimulatedAgents({
      serverUrl: server.url,
      api: server.api,
      registrationKey: server.agentKey,
    });
    const rows: StepRow[] = [];
    const windows: IdleWindow[] = [];
    try {
      for (const count of sizes.steps) {
        console.log(`  ${storeName}: ${count} agents…`);
        await agents.add(count - agents.count);
        await waitForIdleAgents(server.api, agents, count);
        // The figures are of a fleet that is connected, not one joining: agents that just joined renew their
        // first polls together (and each enable emptied the token cache), so one poll's length passes first.
        await sleep(WORK_WAIT_MS);
        await waitForQuietServer(pid);
        const dashboardFrom = monotonicUs();
        const dashboard = await dashboardSamples(server, sizes.dashboardSamples, sizes.pipelines);
        windows.push({ label: `dashboard API, ${count} agents`, fromUs: dashboardFrom, toUs: monotonicUs() });
        const dispatch = await dispatchSamples(server.api, agents, sizes.dispatchRuns);
        const rss = rssMiB(pid);
        // The last run's completion has just been recorded: its outbox rows and events first.
        await waitForQuietServer(pid);
        const cpu = await idleCpu(pid, sizes.idleWindowMs, scale.storeCpuMs);
        windows.push({ label: `idle, ${count} agents`, ...cpu.window });
        const row = { agents: count, dispatch, dashboard, rss, cpu };
        rows.push(row);
        recordStep(options.record, { store, storeName, history, idleSeconds, row });
      }
      if (agents.errors > 0)
        console.log(
          `  ${storeName}: ${agents.errors} simulated agent calls failed (last: ${agents.lastError})`,
        );
    } finally {
      await agents.stop();
      if (profDir !== undefined)
        await writeFile(path.join(profDir, "windows.json"), `${JSON.stringify(windows, null, 2)}\n`);
    }
    console.log(
      `\nscale on ${storeName} (${history}), growth with the number of agents:\n${growthTable(rows)}\n`,
    );
  } finally {
    await scope.close();
  }
}

/** Every simulated agent has a work poll in flight and the server lists all of them idle. */
async function waitForIdleAgents(api: ApiClient, agents: SimulatedAgents, count: number): Promise<void> {
  await waitFor(
    async () => {
      if (agents.polling < count) return false;
      const { agents: listed } = await api.agents();
      return listed.filter((agent) => agent.state === "idle").length === count;
    },
    { timeoutMs: 120_000, intervalMs: 250, message: `${count} idle agents` },
  );
}

function recordStep(
  record: (figure: RawFigure) => void,
  step: { store: Store; storeName: string; history: string; idleSeconds: number; row: StepRow },
): void {
  const { store, storeName, history, idleSeconds, row } = step;
  const n = row.agents;
  const label = (text: string) => `scale ${storeName}, ${n.toLocaleString("en")} agents: ${text}`;
  const id = (base: string) => `scale_${base}_${n}_${store}`;
  const dispatchP99 = percentileOf(row.dispatch, 99);
  const dashboardP99 = percentileOf(row.dashboard, 99);
  record({
    id: id("dispatch_ms"),
    label: label("job scheduled → idle agent has it"),
    unit: "ms",
    samples: row.dispatch,
    target: null,
    peer: "—",
    note: `p99 ${dispatchP99.toFixed(1)} ms, max ${Math.max(...row.dispatch).toFixed(1)} ms; ${history}`,
  });
  record({
    id: id("dispatch_p99_ms"),
    label: label(`job scheduled → idle agent has it, p99 of ${row.dispatch.length}`),
    unit: "ms",
    samples: [dispatchP99],
    target: { max: 50, text: "p99 ≤ 50 ms (issue 13)" },
    peer: "—",
  });
  record({
    id: id("dashboard_ms"),
    label: label("dashboard API (GET /api/v1/pipelines)"),
    unit: "ms",
    samples: row.dashboard,
    target: { max: 50, text: "≤ 50 ms (issue 13)" },
    peer: "—",
    note: `p99 ${dashboardP99.toFixed(1)} ms; ${history}`,
  });
  record({
    id: id("dashboard_p99_ms"),
    label: label(`dashboard API, p99 of ${row.dashboard.length}`),
    unit: "ms",
    samples: [dashboardP99],
    target: { max: 50, text: "≤ 50 ms (issue 13)" },
    peer: "—",
  });
  record({
    id: id("server_rss_mib"),
    label: label("server RSS"),
    unit: "MiB",
    samples: [row.rss],
    target: { max: 400, text: "≤ 400 MiB (issue 13)" },
    peer: "—",
  });
  record({
    id: id("idle_cpu_pct"),
    label: label(`server CPU idle, all polling (${idleSeconds} s)`),
    unit: "%",
    samples: [row.cpu.serverPct],
    target: { max: 5, text: "≤ 5 % of a core (issue 13)" },
    peer: "—",
  });
  if (row.cpu.storePct !== null)
    record({
      id: id("idle_cpu_with_store_pct"),
      label: label(`server + PostgreSQL CPU idle (${idleSeconds} s)`),
      unit: "%",
      samples: [row.cpu.serverPct + row.cpu.storePct],
      target: null,
      peer: "—",
      note: `PostgreSQL's processes ${row.cpu.storePct.toFixed(2)} %`,
    });
}

/** How each figure grows with the agents: one line per step. */
function growthTable(rows: readonly StepRow[]): string {
  const header = [
    "agents",
    "dispatch p50",
    "p99",
    "dashboard p50",
    "p99",
    "server RSS",
    "idle CPU",
    "+ PostgreSQL",
  ];
  const ms = (value: number) => `${value.toFixed(1)} ms`;
  const lines = rows.map((row) => [
    String(row.agents),
    ms(summarize(row.dispatch).median),
    ms(percentileOf(row.dispatch, 99)),
    ms(summarize(row.dashboard).median),
    ms(percentileOf(row.dashboard, 99)),
    `${row.rss.toFixed(0)} MiB`,
    `${row.cpu.serverPct.toFixed(2)} %`,
    row.cpu.storePct === null ? "—" : `${(row.cpu.serverPct + row.cpu.storePct).toFixed(2)} %`,
  ]);
  const widths = header.map((_, column) =>
    Math.max(...[header, ...lines].map((line) => line[column]!.length)),
  );
  return [header, ...lines]
    .map((line) => line.map((cell, column) => cell.padStart(widths[column]!)).join("  "))
    .join("\n");
}

/** Alone: print as `npm run bench` does and replace this bench's figures in bench/results/latest.json. */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      store: { type: "string", default: "both" },
      // Smaller worlds while debugging the bench itself (e.g. --pipelines 50 --runs-each 4 --steps 2,5).
      pipelines: { type: "string" },
      "runs-each": { type: "string" },
      steps: { type: "string" },
    },
  });
  const choice = values.store;
  if (choice !== "sqlite" && choice !== "postgres" && choice !== "both")
    throw new Error(`--store ${choice}: expected sqlite, postgres or both`);
  const stores: Store[] = choice === "both" ? ["sqlite", "postgres"] : [choice];
  const quick = values.quick === true;
  const sizes = { ...scaleSizes(quick) };
  if (values.pipelines !== undefined) sizes.pipelines = Number(values.pipelines);
  if (values["runs-each"] !== undefined) sizes.runsEach = Number(values["runs-each"]);
  if (values.steps !== undefined) sizes.steps = values.steps.split(",").map(Number);
  const machine = machineInfo();
  console.log(`nproc ${machine.nproc} · ${machine.cpu} · node ${machine.node} · load ${machine.loadavg}`);
  const figures: Figure[] = [];
  await benchScale({
    quick,
    stores,
    sizes,
    record(figure) {
      const full = { ...figure, summary: summarize(figure.samples) };
      figures.push(full);
      console.log(
        `  ${full.label}: median ${full.summary.median.toFixed(2)} ${full.unit} (n=${full.summary.n}) ${verdict(full)}`,
      );
    },
  });
  console.log(`\n${renderTable(figures)}\n`);
  const file = path.join(import.meta.dirname, "..", "results", "latest.json");
  await mkdir(path.dirname(file), { recursive: true });
  const previous = existsSync(file)
    ? (JSON.parse(await readFile(file, "utf8")) as { figures?: { id: string }[] })
    : {};
  const ids = new Set(figures.map((figure) => figure.id));
  const report = {
    tool: "fawkes npm run bench",
    ...previous,
    date: new Date().toISOString(),
    scale: { quick, stores, sizes, machine },
    figures: [
      ...(previous.figures ?? []).filter((figure) => !ids.has(figure.id)),
      ...figures.map((figure) => ({ ...figure, verdict: verdict(figure) })),
    ],
  };
  await writeFile(file, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`results: ${path.relative(process.cwd(), file)} (the scale figures replaced)`);
}

if (import.meta.main) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exitCode = 1;
  });
}
