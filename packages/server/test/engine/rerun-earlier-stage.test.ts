/**
 * Rerunning an earlier stage, as GoCD does (docs/states.md, "Rerunning a stage"): when the rerun passes, the run
 * continues through the following stages as on its first pass (a `success` stage runs again, a `manual` one waits
 * for approval again); the later stages' earlier stage runs stay in the history, marked stale.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import { createGitRepo, startFawkes, summarizeRun, waitForRun, yamlString } from "@fawkes/testing";

const pipeline = (repo: string) => `format_version: 10
pipelines:
  shop:
    group: g
    materials:
      m: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - test: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
      - package: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
      - deploy:
          approval: {type: manual}
          jobs: {j: {tasks: [{exec: {command: sleep, arguments: ["60"]}}]}}
`;

test(
  "a rerun of an earlier stage of a cancelled run goes on to the approval gate again",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "x\n" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "shop.gocd.yaml": pipeline(repo.path) },
      expectPipelines: ["shop"],
    });
    const { api } = fawkes;
    await fawkes.diagnose(async () => {
      await api.trigger("shop");
      await waitForRun(api, "shop", 1, (run) => run.awaitingApproval === "deploy");
      await api.approve("shop", 1, "deploy");
      await waitForRun(api, "shop", 1, (run) =>
        run.stages.some((s) => s.name === "deploy" && s.jobs.some((j) => j.state === "building")),
      );
      await api.post(apiPath(ApiRoutes.cancelRun, { name: "shop", counter: 1 }));
      const cancelled = await waitForRun(api, "shop", 1);
      assert.equal(cancelled.result, "cancelled");
      assert.deepEqual(
        cancelled.stages.map((s) => [s.name, s.counter, s.result, s.stale]),
        [
          ["test", 1, "passed", false],
          ["package", 1, "passed", false],
          ["deploy", 1, "cancelled", false],
        ],
      );

      const rerun = await api.rerun("shop", 1, "test");
      assert.deepEqual(rerun, { stage: "test", counter: 2 });
      const waiting = await waitForRun(
        api,
        "shop",
        1,
        (run) => run.awaitingApproval === "deploy" || run.result !== "building",
      );
      assert.equal(waiting.awaitingApproval, "deploy", summarizeRun(waiting));
      assert.equal(waiting.result, "building");
      assert.deepEqual(
        waiting.stages.map((s) => [s.name, s.counter, s.result, s.rerunOfCounter, s.stale]),
        [
          ["test", 2, "passed", 1, false],
          // A `success` stage after the rerun stage runs again, as on the first pass.
          ["package", 2, "passed", null, false],
          // The gate waits again; deploy's cancelled stage run is the previous pass's.
          ["deploy", 1, "cancelled", null, true],
        ],
      );
      // `fawkes status` shows the gate once, with what it held before the rerun.
      const status = await fawkes.cliOk(["status", "shop"]);
      assert.match(
        status.stdout,
        /test#2:passed package#2:passed deploy:awaiting approval \(stage run 1 cancelled before rerun\)/,
      );
      assert.doesNotMatch(status.stdout, /deploy:cancelled/);
    });
  },
);
