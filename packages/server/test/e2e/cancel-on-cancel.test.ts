/**
 * `fawkes cancel` stops a running job of a real agent: the task is killed, its on_cancel task runs, and the job and
 * run end cancelled. (Manual approval and reruns are tested on the engine harness: run-lifecycle.test.ts.)
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

const pipelinesYaml = (slowRepo: string, marker: string) => `
format_version: 10
pipelines:
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

test("cancel stops a running job and runs its on_cancel task", { timeout: 60_000 }, async (t) => {
  const slowRepo = await createGitRepo(t, null);
  const marker = path.join(await tempDir(t, "fawkes-marker-"), "cancelled");
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "pipelines.gocd.yaml": pipelinesYaml(slowRepo.path, marker) },
    expectPipelines: ["slow"],
  });
  const { api } = fawkes;

  await fawkes.diagnose(async () => {
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
