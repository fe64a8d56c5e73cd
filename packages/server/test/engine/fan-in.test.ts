/**
 * Fan-in (GoCD's diamond): A → B, A → C, B + C → D. D runs once per A run, only after both B and C passed
 * for that same A run, with a consistent set of upstream revisions.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, startFawkes, waitFor, waitForRun, yamlString } from "@fawkes/testing";

const stage = (name: string, command = "true") => `
      - ${name}:
          jobs:
            job:
              tasks:
                - exec: {command: sh, arguments: ["-c", ${JSON.stringify(command)}]}`;

const yaml = (repo: string) => `
format_version: 10
pipelines:
  a:
    materials:
      src: {git: ${yamlString(repo)}, branch: main}
    stages:${stage("build")}
  b:
    materials:
      a: {pipeline: a, stage: build}
    stages:${stage("test", "sleep 0.3")}
  c:
    materials:
      a: {pipeline: a, stage: build}
    stages:${stage("test")}
  d:
    materials:
      b: {pipeline: b, stage: test}
      c: {pipeline: c, stage: test}
    stages:${stage("deploy", "echo b=$GO_DEPENDENCY_LABEL_B c=$GO_DEPENDENCY_LABEL_C")}
`;

test(
  "a diamond of pipelines runs the fan-in pipeline once per upstream run, consistently",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "d.gocd.yaml": yaml(repo.path) },
      expectPipelines: ["a", "b", "c", "d"],
      agents: 2,
    });
    await fawkes.diagnose(async () => {
      for (const round of [1, 2]) {
        await repo.commit({ "v.txt": `round ${round}\n` }, `round ${round}`);
        await fawkes.api.notify(repo.path);
        const d = await waitForRun(fawkes.api, "d", round, (run) => run.result !== "building", {
          timeoutMs: 40_000,
        });
        assert.equal(d.result, "passed");
        const revisions = Object.fromEntries(d.materials.map((m) => [m.material, m.revision]));
        assert.deepEqual(revisions, { b: `b/${round}/test/1`, c: `c/${round}/test/1` });
        // Both upstreams finished; D must not start a second run for the same A run.
        await waitFor(async () => (await fawkes.api.status("c")).runs[0]?.result === "passed", {
          timeoutMs: 10_000,
          message: "c passed",
        });
        const status = await fawkes.api.status("d", 10);
        assert.equal(status.runs.length, round, `d has exactly ${round} run(s)`);
      }
    });
  },
);
