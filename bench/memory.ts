/**
 * `node bench/memory.ts [--runs N]`: idle memory alone — a server with the bench pipelines and 4 agents,
 * measured as `npm run bench` measures "server RSS idle" (right after start), plus each agent's idle RSS.
 * Quicker than the whole bench when working on memory.
 */
import { parseArgs } from "node:util";
import { CleanupStack, createGitRepo, startFawkes, tempDir, waitFor } from "@fawkes/testing";
import { benchPipelineNames, benchPipelines } from "./lib/pipelines.ts";
import { rssMiB } from "./lib/proc.ts";
import { summarize } from "./lib/stats.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Number(values.runs);

const warmUp = new CleanupStack();
await startFawkes(warmUp, { pipelineFiles: {}, agents: 1 }).finally(() => warmUp.close());

const atStart: number[] = [];
const server: number[] = [];
const agents: number[] = [];
for (let run = 0; run < runs; run++) {
  const scope = new CleanupStack();
  try {
    const outDir = await tempDir(scope, "fawkes-bench-out-");
    const latencyRepo = await createGitRepo(scope, { "README.md": "latency\n" });
    const sharedRepo = await createGitRepo(scope, { "README.md": "shared\n" });
    const fawkes = await startFawkes(scope, {
      pipelineFiles: {
        "bench.gocd.yaml": benchPipelines({
          latencyRepo: latencyRepo.path,
          sharedRepo: sharedRepo.path,
          outDir,
          burstJobs: 100,
        }),
      },
      expectPipelines: [...benchPipelineNames],
      agents: 4,
      serverEnv: { FAWKES_LOG_LEVEL: "warn" },
    });
    atStart.push(rssMiB(fawkes.server.process.child.pid as number));
    await waitFor(
      async () => {
        for (const name of benchPipelineNames)
          if ((await fawkes.api.status(name, 5)).runs.some((r) => r.result === "building")) return false;
        return true;
      },
      { timeoutMs: 180_000, intervalMs: 200, message: "the first runs to finish" },
    );
    server.push(rssMiB(fawkes.server.process.child.pid as number));
    for (const agent of fawkes.agents) agents.push(rssMiB(agent.process.child.pid as number));
  } finally {
    await scope.close();
  }
}
const line = (name: string, samples: number[]): string => {
  const { median } = summarize(samples);
  return `${name}: median ${median.toFixed(1)} MiB (${samples.map((s) => s.toFixed(1)).join(", ")})`;
};
console.log(line("server RSS at start", atStart));
console.log(line("server RSS idle", server));
console.log(line("agent RSS idle", agents));
