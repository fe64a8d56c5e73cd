/**
 * The server is killed (SIGKILL) while stage 2 of a run is building and restarted on the same data dir and port:
 * the agent re-attaches, the run completes, the history survives and the pipeline counter is not reused.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { createGitRepo, startFawkes, summarizeRun, tempDir, waitForRun, yamlString } from "@fawkes/testing";

// Waits (at most 60 s, so a lost job never lingers) until the flag file exists.
const waitForFlag = `i=0; while [ ! -f "$FLAG" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -f "$FLAG" && echo flag seen`;

const pipelineYaml = (repoPath: string, flag: string) => `
format_version: 10
pipelines:
  survivor:
    group: e2e
    environment_variables:
      FLAG: ${yamlString(flag)}
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - first:
          jobs:
            quick:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "echo first stage done"]
      - second:
          jobs:
            waiter:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(waitForFlag)}]
`;

test("a run survives a server SIGKILL and restart mid-stage", { timeout: 90_000 }, async (t) => {
  const repo = await createGitRepo(t, null);
  const flag = path.join(await tempDir(t, "fawkes-flag-"), "go");
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "survivor.gocd.yaml": pipelineYaml(repo.path, flag) },
    expectPipelines: ["survivor"],
  });
  const { api, server } = fawkes;

  await fawkes.diagnose(async () => {
    await repo.commit({ "README.md": "restart me\n" }, "first");
    await fawkes.cliOk(["notify", repo.path]);

    const building = await waitForRun(api, "survivor", 1, (run) =>
      run.stages.some(
        (stage) => stage.name === "second" && stage.jobs.some((job) => job.state === "building"),
      ),
    );
    assert.equal(building.stages[0]?.result, "passed", summarizeRun(building));
    const portBefore = server.port;

    await server.kill("SIGKILL");
    await server.restart();
    assert.equal(server.port, portBefore, "restarted on the same port, so the agent finds it again");

    await writeFile(flag, "");
    const run1 = await waitForRun(api, "survivor", 1, (run) => run.result !== "building", {
      timeoutMs: 45_000,
    });
    assert.equal(run1.result, "passed", summarizeRun(run1));
    assert.deepEqual(
      run1.stages.map((stage) => [stage.name, stage.counter, stage.result]),
      [
        ["first", 1, "passed"],
        ["second", 1, "passed"],
      ],
    );
    const log = await api.console("survivor", 1, "second", "waiter");
    assert.match(log, /flag seen/);
    assert.match(await api.console("survivor", 1, "first", "quick"), /first stage done/);

    // The counter is not reused after the restart.
    const next = await api.trigger("survivor");
    assert.equal(next.counter, 2);
    const run2 = await waitForRun(api, "survivor", 2, (run) => run.result !== "building");
    assert.equal(run2.result, "passed", summarizeRun(run2));
    const history = await api.status("survivor");
    assert.deepEqual(
      history.runs.map((run) => [run.counter, run.result]),
      [
        [2, "passed"],
        [1, "passed"],
      ],
    );
  });
});
