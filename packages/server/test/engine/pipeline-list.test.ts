/**
 * The dashboard list is served from a cache rebuilt per pipeline on events: after every kind of change it must
 * read exactly what the uncached per-pipeline status reads.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import type { PipelineListDto, PipelineSummaryDto } from "@fawkes/protocol";
import {
  createGitRepo,
  startAgentProcess,
  startFawkes,
  waitFor,
  waitForAgent,
  yamlString,
  type Fawkes,
} from "@fawkes/testing";

const pipelinesYaml = (repo: string, extra = ""): string => `format_version: 10
pipelines:
  app:
    group: apps
    materials:
      m: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - s: {fetch_materials: false, jobs: {j: {resources: [linux], tasks: [{exec: {command: "true"}}]}}}
  other:
    group: apps
    materials:
      m: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - s: {fetch_materials: false, jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
${extra}`;

async function summaries(fawkes: Fawkes): Promise<Map<string, PipelineSummaryDto>> {
  const list = await fawkes.api.get<PipelineListDto>("/api/v1/pipelines");
  return new Map(list.pipelines.map((p) => [p.name, p]));
}

/** The cached summary's latest run equals the newest run as the uncached status endpoint builds it. */
async function assertMatchesStatus(fawkes: Fawkes, name: string): Promise<PipelineSummaryDto> {
  const summary = (await summaries(fawkes)).get(name);
  assert.ok(summary, `${name} listed`);
  const status = await fawkes.api.status(name, 1);
  assert.deepEqual(summary.latest, status.runs[0] ?? null);
  assert.equal(summary.paused, status.paused);
  return summary;
}

test("the pipeline list follows runs, pauses, agents and config changes", { timeout: 60_000 }, async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "p.gocd.yaml": pipelinesYaml(repo.path) },
    expectPipelines: ["app", "other"],
    agents: 0,
  });
  await fawkes.diagnose(async () => {
    const before = await summaries(fawkes);
    assert.deepEqual([...before.keys()], ["app", "other"]);
    assert.equal(before.get("app")!.latest, null);

    // A run: listed at once (the event is published before the trigger answers), with its waiting reason.
    await fawkes.api.trigger("app");
    const triggered = await assertMatchesStatus(fawkes, "app");
    assert.equal(triggered.latest?.counter, 1);
    assert.match(
      triggered.latest!.stages[0]!.jobs[0]!.waitingReason ?? "",
      /no enabled agent with resources linux/,
    );

    // Pausing another pipeline changes only that one.
    await fawkes.api.post("/api/v1/pipelines/other/pause", { reason: "maintenance" });
    assert.equal((await assertMatchesStatus(fawkes, "other")).paused, true);

    // A pending agent changes the waiting reason without any run event.
    const agent = await startAgentProcess(t, {
      serverUrl: fawkes.server.url,
      key: fawkes.server.agentKey,
      name: "builder",
      resources: ["linux"],
    });
    await waitForAgent(fawkes.api, "builder", "pending", { agent });
    await waitFor(
      async () =>
        /pending/.test((await summaries(fawkes)).get("app")!.latest!.stages[0]!.jobs[0]!.waitingReason ?? ""),
      { timeoutMs: 10_000, message: "the waiting reason to name the pending agent" },
    );
    await assertMatchesStatus(fawkes, "app");

    await fawkes.api.enableAgent("builder");
    await waitFor(async () => (await summaries(fawkes)).get("app")!.latest!.result === "passed", {
      timeoutMs: 20_000,
      message: "the run to show as passed",
    });
    const passed = await assertMatchesStatus(fawkes, "app");
    assert.equal(passed.latest!.stages[0]!.jobs[0]!.agent, "builder");

    // A config change: the new pipeline appears, in config order.
    const third = `  third:\n    group: more\n    materials:\n      m: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}\n    stages:\n      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}\n`;
    await writeFile(path.join(fawkes.pipelineDir, "p.gocd.yaml"), pipelinesYaml(repo.path, third));
    await waitFor(async () => (await summaries(fawkes)).has("third"), {
      timeoutMs: 10_000,
      message: "the new pipeline to be listed",
    });
    assert.deepEqual([...(await summaries(fawkes)).keys()], ["app", "other", "third"]);
    await assertMatchesStatus(fawkes, "app");
    await assertMatchesStatus(fawkes, "other");
  });
});
