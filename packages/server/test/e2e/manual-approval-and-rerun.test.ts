/**
 * Manual approval holds a run until `fawkes approve`; `fawkes rerun` runs a stage again with a new stage counter
 * and GO_RERUN_OF_STAGE_COUNTER; `fawkes cancel` stops a running job and runs its on_cancel task.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import {
  createGitRepo,
  startFawkes,
  summarizeRun,
  tempDir,
  waitFor,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const pipelinesYaml = (gatedRepo: string, slowRepo: string, marker: string) => `
format_version: 10
pipelines:
  gated:
    group: e2e
    materials:
      src:
        git: ${yamlString(gatedRepo)}
        branch: main
    stages:
      - stage1:
          jobs:
            j1:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "echo stage-counter=$GO_STAGE_COUNTER rerun-of=\${GO_RERUN_OF_STAGE_COUNTER:-none}"]
      - stage2:
          approval:
            type: manual
          jobs:
            j2:
              tasks:
                - exec:
                    command: echo
                    arguments: ["approved and ran"]
  slow:
    group: e2e
    materials:
      src:
        git: ${yamlString(slowRepo)}
        branch: main
    stages:
      - long:
          jobs:
            sleeper:
              environment_variables:
                MARKER: ${yamlString(marker)}
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "echo sleeping; sleep 30"]
                    on_cancel:
                      exec:
                        command: sh
                        arguments: ["-c", "echo on-cancel-ran > \\"$MARKER\\"; echo on-cancel-ran"]
`;

test("manual approval, stage rerun and cancel with on_cancel", { timeout: 60_000 }, async (t) => {
  const gatedRepo = await createGitRepo(t, null);
  const slowRepo = await createGitRepo(t, null);
  const marker = path.join(await tempDir(t, "fawkes-marker-"), "cancelled");
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "pipelines.gocd.yaml": pipelinesYaml(gatedRepo.path, slowRepo.path, marker) },
    expectPipelines: ["gated", "slow"],
  });
  const { api } = fawkes;

  await fawkes.diagnose(async () => {
    // Manual approval: stage2 waits, then runs once approved.
    await gatedRepo.commit({ "README.md": "gate\n" }, "first");
    await fawkes.cliOk(["notify", gatedRepo.path]);
    const waiting = await waitForRun(api, "gated", 1, (run) => run.awaitingApproval === "stage2");
    assert.equal(waiting.result, "building", summarizeRun(waiting));
    assert.deepEqual(
      waiting.stages.map((stage) => [stage.name, stage.result]),
      [["stage1", "passed"]],
      "stage2 has not started before approval",
    );
    await fawkes.cliOk(["approve", "gated/1/stage2"]);
    const approved = await waitForRun(api, "gated", 1, (run) => run.result !== "building");
    assert.equal(approved.result, "passed", summarizeRun(approved));
    assert.equal(approved.awaitingApproval, null);
    assert.match(await api.console("gated", 1, "stage2", "j2"), /approved and ran/);

    // Rerun stage1: stage counter 2, GO_RERUN_OF_STAGE_COUNTER=1.
    await fawkes.cliOk(["rerun", "gated/1/stage1"]);
    const rerun = await waitForRun(api, "gated", 1, (run) =>
      run.stages.some(
        (stage) => stage.name === "stage1" && stage.counter === 2 && stage.result !== "building",
      ),
    );
    const stage1 = rerun.stages.find((stage) => stage.name === "stage1" && stage.counter === 2);
    assert.equal(stage1?.result, "passed", summarizeRun(rerun));
    assert.equal(stage1?.rerunOfCounter, 1);
    const logs = await fawkes.cliOk(["logs", "gated/1/stage1/j1"]);
    assert.match(logs.stdout, /stage-counter=2 rerun-of=1/);
    assert.match(await api.console("gated", 1, "stage1", "j1", 1), /stage-counter=1 rerun-of=none/);

    // Cancel a long job: it ends cancelled and its on_cancel task ran.
    await slowRepo.commit({ "README.md": "slow\n" }, "first");
    await fawkes.cliOk(["notify", slowRepo.path]);
    await waitForRun(api, "slow", 1, (run) => run.stages[0]?.jobs[0]?.state === "building");
    await waitFor(async () => (await api.console("slow", 1, "long", "sleeper")).includes("sleeping"), {
      message: "the long task to start",
    });
    await fawkes.cliOk(["cancel", "slow/1/long"]);
    const cancelled = await waitForRun(api, "slow", 1, (run) => run.result !== "building", {
      timeoutMs: 20_000,
    });
    assert.equal(cancelled.result, "cancelled", summarizeRun(cancelled));
    assert.deepEqual(
      cancelled.stages[0]?.jobs.map((job) => [job.state, job.result]),
      [["completed", "cancelled"]],
    );
    assert.ok(existsSync(marker), "on_cancel wrote its marker");
    assert.equal((await readFile(marker, "utf8")).trim(), "on-cancel-ran");
  });
});
