/**
 * Pipeline dependencies: when `up`'s stage `build` passes, `down` (a dependency material on up/build) runs exactly
 * once, fetches up's artifact from the exact upstream run, and sees GO_DEPENDENCY_LABEL_UP.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import test from "node:test";
import { createGitRepo, startFawkes, summarizeRun, waitFor, waitForRun, yamlString } from "@fawkes/testing";

const pipelinesYaml = (repoPath: string) => `
format_version: 10
pipelines:
  up:
    group: e2e
    label_template: "up-\${COUNT}"
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - build:
          jobs:
            job:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "mkdir -p out && echo \\"$GO_PIPELINE_LABEL $(cat version.txt)\\" > out/pkg.txt"]
              artifacts:
                - build:
                    source: out/pkg.txt
  down:
    group: e2e
    materials:
      up:
        pipeline: up
        stage: build
    stages:
      - check:
          jobs:
            verify:
              tasks:
                - fetch:
                    pipeline: up
                    stage: build
                    job: job
                    source: pkg.txt
                    is_file: yes
                - exec:
                    command: sh
                    arguments:
                      - "-c"
                      - "echo label=$GO_DEPENDENCY_LABEL_UP; cat pkg.txt; test -n \\"$GO_DEPENDENCY_LABEL_UP\\" && grep -q \\"^$GO_DEPENDENCY_LABEL_UP \\" pkg.txt"
`;

test(
  "an upstream pass triggers the downstream pipeline once; it fetches the upstream artifact",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "deps.gocd.yaml": pipelinesYaml(repo.path) },
      expectPipelines: ["up", "down"],
    });
    const { api } = fawkes;

    await fawkes.diagnose(async () => {
      const version = `v-${randomUUID()}`;
      await repo.commit({ "version.txt": `${version}\n` }, "version");
      await fawkes.cliOk(["notify", repo.path]);

      const up = await waitForRun(api, "up", 1, (run) => run.result !== "building");
      assert.equal(up.result, "passed", summarizeRun(up));
      assert.equal(up.label, "up-1");

      const down = await waitForRun(api, "down", 1, (run) => run.result !== "building");
      assert.equal(down.result, "passed", summarizeRun(down));
      assert.equal(down.trigger.kind, "upstream");
      const dependency = down.materials.find((material) => material.type === "dependency");
      assert.equal(dependency?.revision, "up/1/build/1");

      const log = await api.console("down", 1, "check", "verify");
      assert.match(log, /label=up-1\b/);
      assert.ok(log.includes(`up-1 ${version}`), `the fetched artifact is up run 1's:\n${log}`);

      // Exactly one downstream run for the one upstream run, also once everything has settled.
      const status = await waitFor(
        async () => {
          const [upStatus, downStatus] = await Promise.all([api.status("up"), api.status("down")]);
          const busy = [...upStatus.runs, ...downStatus.runs].some((run) => run.result === "building");
          return busy ? undefined : downStatus;
        },
        { timeoutMs: 10_000, message: "no run building" },
      );
      assert.deepEqual(
        status.runs.map((run) => run.counter),
        [1],
      );
    });
  },
);
