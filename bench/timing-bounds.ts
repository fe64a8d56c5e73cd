/**
 * Timings that tests used to assert on the wall clock, measured here instead with a floor taken in the same run
 * (so a busy machine is not mistaken for a regression): the tests keep only what must hold (it parses, it
 * answers). `npm run bench` records these figures; alone, `node bench/timing-bounds.ts`.
 *
 * - YAML scaling: parsing a mapping of 40,000 keys against one of 5,000 (the floor: the same parser on an eighth
 *   of the input). Linear is 8×; the quadratic duplicate-key check this replaced was 64×.
 * - Health while hostile config is parsed: each `GET /api/v1/health` to a server parsing the hostile commit
 *   (packages/testing's hostileConfigFiles), minus a paired probe of a bare HTTP server in another process (the
 *   floor: what the machine's load alone costs). Parsing runs in its own process, so the API must not stall.
 */
import { spawn } from "node:child_process";
import { once } from "node:events";
import { parseConfigFiles } from "@fawkes/core";
import type { ConfigHealthDto } from "@fawkes/protocol";
import {
  CleanupStack,
  createGitRepo,
  hostileConfigFiles,
  onCleanup,
  startServerProcess,
  steadyPipeline,
  waitFor,
  type CleanupScope,
} from "@fawkes/testing";
import type { Figure } from "./lib/figures.ts";

export type TimingFigure = Omit<Figure, "summary">;

const mapping = (keys: number): string =>
  `format_version: 10\nenvironments:\n  e:\n    environment_variables:\n${Array.from({ length: keys }, (_, i) => `      V${i}: x\n`).join("")}`;

function fastestParseMs(text: string, runs: number): number {
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const start = performance.now();
    parseConfigFiles([{ path: "p.gocd.yaml", text }]);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/** The ratio large ÷ small, one sample per round. */
export function yamlScaling(rounds: number): TimingFigure {
  const small = mapping(5_000);
  const large = mapping(40_000);
  fastestParseMs(mapping(2_000), 2); // warm up the JIT
  const samples = Array.from({ length: rounds }, () => fastestParseMs(large, 2) / fastestParseMs(small, 2));
  return {
    id: "yaml_mapping_scaling_ratio",
    label: "YAML parse, 40,000 keys ÷ 5,000 keys (linear 8×)",
    unit: "×",
    samples,
    target: { max: 24, text: "≤ 24× (quadratic: 64×)" },
    peer: "—",
  };
}

/** A bare HTTP server in its own process: the floor of every probe. */
async function startControlServer(scope: CleanupScope): Promise<string> {
  const child = spawn(
    process.execPath,
    [
      "-e",
      `require("node:http").createServer((q, s) => s.end("ok")).listen(0, "127.0.0.1", function () { console.log(this.address().port); })`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  onCleanup(scope, () => void child.kill());
  const [line] = (await once(child.stdout, "data")) as [Buffer];
  return `http://127.0.0.1:${line.toString().trim()}/`;
}

async function timedGet(url: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`GET ${url} answered ${response.status}`);
  return performance.now() - start;
}

/** Health latency beyond the floor while the hostile commit is parsed; one sample per probe. */
export async function healthDuringHostileConfig(scope: CleanupScope): Promise<TimingFigure> {
  const limit = 1024 * 1024;
  const config = await createGitRepo(scope, { "steady.gocd.yaml": steadyPipeline("steady") });
  const server = await startServerProcess(scope, { pipelines: [config.url] });
  await waitFor(
    async () =>
      (await server.api.get<{ pipelines: { name: string }[] }>("/api/v1/pipelines")).pipelines.some(
        (p) => p.name === "steady",
      ),
    { message: "the steady pipeline" },
  );
  const control = await startControlServer(scope);
  // Both connections warm before the clock starts.
  await timedGet(`${server.url}/api/v1/health`);
  await timedGet(control);
  await config.commit(hostileConfigFiles(limit), "hostile config");
  await server.api.notify(config.url);
  const beyondFloor: number[] = [];
  await waitFor(
    async () => {
      for (let i = 0; i < 10; i++) {
        const health = await timedGet(`${server.url}/api/v1/health`);
        beyondFloor.push(health - (await timedGet(control)));
      }
      return (await server.api.get<ConfigHealthDto>("/api/v1/config/errors")).errors.length > 0;
    },
    { timeoutMs: 120_000, intervalMs: 0, message: "the hostile config's errors" },
  );
  const worst = Math.max(...beyondFloor);
  return {
    id: "health_during_hostile_config_ms",
    label: "GET /api/v1/health while hostile config parses, beyond a bare server",
    unit: "ms",
    samples: beyondFloor,
    target: { max: 100, text: "≤ 100 ms" },
    peer: "—",
    note: `worst ${worst.toFixed(1)} ms over ${beyondFloor.length} probes`,
  };
}

/** Every figure of this file. */
export async function benchTimingBounds(options: { quick: boolean }): Promise<TimingFigure[]> {
  const scope = new CleanupStack();
  try {
    return [yamlScaling(options.quick ? 2 : 5), await healthDuringHostileConfig(scope)];
  } finally {
    await scope.close();
  }
}

if (import.meta.main) {
  const { summarize } = await import("./lib/stats.ts");
  for (const figure of await benchTimingBounds({ quick: process.argv.includes("--quick") })) {
    const s = summarize(figure.samples);
    console.log(
      `${figure.label}: median ${s.median.toFixed(2)} ${figure.unit}, p90 ${s.p90.toFixed(2)} (n=${s.n}), target ${figure.target?.text}${figure.note ? `; ${figure.note}` : ""}`,
    );
  }
}
