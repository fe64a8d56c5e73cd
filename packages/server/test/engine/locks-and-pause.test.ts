/** lock_behavior, pause/unpause, and manual trigger with chosen revision and variables. */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import {
  ApiError,
  createGitRepo,
  startFawkes,
  tempDir,
  waitFor,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const yaml = (repo: string, flag: string) => `
format_version: 10
pipelines:
  locked:
    lock_behavior: unlockWhenFinished
    environment_variables: {GREETING: hello}
    materials:
      src: {git: ${yamlString(repo)}, branch: main}
    stages:
      - wait:
          jobs:
            job:
              tasks:
                - exec: {command: sh, arguments: ["-c", "echo greeting=$GREETING rev=$GO_REVISION; while [ ! -f ${flag} ]; do sleep 0.05; done"]}
`;

test(
  "a locked pipeline refuses a second run until the first finishes; pause holds material triggers",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const flag = path.join(await tempDir(t, "flag-"), "go");
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "l.gocd.yaml": yaml(repo.path, flag) },
      expectPipelines: ["locked"],
    });
    const { api } = fawkes;
    await fawkes.diagnose(async () => {
      const first = await repo.commit({ "a.txt": "1" }, "first");
      await api.notify(repo.path);
      await waitForRun(api, "locked", 1, (run) => run.stages[0]?.jobs[0]?.state === "building");
      const refused = await api.trigger("locked").then(
        () => null,
        (error: unknown) => error,
      );
      assert.ok(
        refused instanceof ApiError && refused.message.includes("FAWKES_PIPELINE_LOCKED"),
        String(refused),
      );
      assert.equal((await api.status("locked")).locked, true);
      await writeFile(flag, "");
      await waitForRun(api, "locked", 1, (run) => run.result === "passed");
      assert.equal((await api.status("locked")).locked, false);

      await fawkes.cliOk(["pause", "locked", "--reason", "maintenance"]);
      const paused = await api.status("locked");
      assert.equal(paused.paused, true);
      assert.equal(paused.pauseReason, "maintenance");
      await repo.commit({ "a.txt": "2" }, "second");
      await api.notify(repo.path);
      const triggerWhilePaused = await api.trigger("locked").catch((error: unknown) => error);
      assert.ok(
        triggerWhilePaused instanceof ApiError &&
          triggerWhilePaused.message.includes("FAWKES_PIPELINE_PAUSED"),
      );
      assert.equal((await api.status("locked")).runs.length, 1, "no run while paused");

      await fawkes.cliOk(["unpause", "locked"]);
      const second = await waitForRun(api, "locked", 2, (run) => run.result === "passed");
      assert.equal(second.trigger.kind, "material");

      const manual = await api.trigger("locked", {
        revisions: { src: first.slice(0, 10) },
        variables: { GREETING: "bonjour" },
      });
      assert.equal(manual.counter, 3);
      const third = await waitForRun(api, "locked", 3, (run) => run.result === "passed");
      assert.equal(third.materials[0]?.revision, first);
      const log = await fawkes.cliOk(["logs", "locked/3/wait/job"]);
      assert.match(log.stdout, new RegExp(`greeting=bonjour rev=${first}`));
      await waitFor(async () => !(await api.status("locked")).locked, {
        timeoutMs: 5_000,
        message: "unlocked",
      });
    });
  },
);
