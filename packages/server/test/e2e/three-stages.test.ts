/**
 * A 3-stage pipeline on a temp repository: a commit (announced with `fawkes notify`) runs it to a pass, with an
 * artifact carried from stage 1 to stage 3; a commit that breaks stage 1's test fails the run there and the later
 * stages never start; `fawkes logs` prints the job's timestamped output.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import { createGitRepo, startFawkes, summarizeRun, waitForRun, yamlString } from "@fawkes/testing";

const pipelineYaml = (repoPath: string) => `
format_version: 10
pipelines:
  three:
    group: e2e
    materials:
      app:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "mkdir -p build && cp message.txt build/out.txt"]
                - exec:
                    command: test
                    arguments: ["-f", "ok"]
              artifacts:
                - build:
                    source: build/out.txt
                    destination: build
      - test:
          jobs:
            unit:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "echo unit-tests-of-run-$GO_PIPELINE_COUNTER; echo second line"]
      - verify:
          jobs:
            check:
              tasks:
                - fetch:
                    stage: build
                    job: compile
                    source: build/out.txt
                    destination: fetched
                    is_file: yes
                - exec:
                    command: sh
                    arguments: ["-c", "grep -qxF \\"$(cat message.txt)\\" fetched/out.txt"]
`;

test(
  "three stages: pass with an artifact from stage 1 to 3, then fail at stage 1",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "three.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: ["three"],
    });
    const { api } = fawkes;

    await fawkes.diagnose(async () => {
      const message = `release-${randomUUID()}`;
      const sha1 = await repo.commit({ ok: "", "message.txt": `${message}\n` }, "first");
      await fawkes.cliOk(["notify", repo.path]);

      const run1 = await waitForRun(api, "three", 1, (run) => run.result !== "building");
      assert.equal(run1.result, "passed", summarizeRun(run1));
      assert.deepEqual(
        run1.stages.map((stage) => [stage.name, stage.result]),
        [
          ["build", "passed"],
          ["test", "passed"],
          ["verify", "passed"],
        ],
      );
      // In order: each stage was scheduled only once its predecessor had completed.
      run1.stages.slice(1).forEach((stage, index) => {
        const previousEnd = run1.stages[index]?.completedAt ?? Infinity;
        assert.ok(
          stage.scheduledAt >= previousEnd,
          `${stage.name} was scheduled before its predecessor ended`,
        );
      });
      assert.equal(run1.materials.find((material) => material.type === "git")?.revision, sha1);

      // The artifact stage 3 fetched is the one stage 1 stored, with the commit's content.
      const artifactPath = apiPath(ApiRoutes.artifactFile.replace("*", "build/out.txt"), {
        name: "three",
        counter: 1,
        stage: "build",
        stageCounter: 1,
        job: "compile",
      });
      const artifact = await api.request("GET", artifactPath);
      assert.equal(artifact.status, 200);
      assert.equal(await artifact.text(), `${message}\n`);

      // `fawkes status --json` follows the documented shape.
      const status = JSON.parse((await fawkes.cliOk(["status", "three", "--json"])).stdout) as {
        pipeline: string;
        runs: {
          counter: number;
          result: string;
          stages: { name: string; jobs: { name: string; result: string }[] }[];
        }[];
      };
      assert.equal(status.pipeline, "three");
      assert.equal(status.runs[0]?.counter, 1);
      assert.equal(status.runs[0]?.result, "passed");
      assert.deepEqual(
        status.runs[0]?.stages.map((stage) =>
          stage.jobs.map((job) => `${stage.name}/${job.name}=${job.result}`),
        ),
        [["build/compile=passed"], ["test/unit=passed"], ["verify/check=passed"]],
      );

      // Console log, timestamped lines.
      const logs = await fawkes.cliOk(["logs", "three/1/test/unit"]);
      const lines = logs.stdout.split("\n");
      const echoed = lines.find((line) => line.includes("unit-tests-of-run-1"));
      assert.ok(echoed !== undefined, `logs lack the job's output:\n${logs.stdout}`);
      assert.match(echoed, /\d{2}:\d{2}:\d{2}/, "a console line carries a timestamp");
      assert.ok(lines.some((line) => line.includes("second line") && /\d{2}:\d{2}:\d{2}/.test(line)));

      // Break stage 1's test: the run fails at build, and test/verify never start.
      await repo.remove("ok");
      const sha2 = await repo.commit({}, "remove ok");
      await fawkes.cliOk(["notify", repo.path]);
      const run2 = await waitForRun(api, "three", 2, (run) => run.result !== "building");
      assert.equal(run2.result, "failed", summarizeRun(run2));
      assert.equal(run2.materials.find((material) => material.type === "git")?.revision, sha2);
      assert.deepEqual(
        run2.stages.map((stage) => [stage.name, stage.result]),
        [["build", "failed"]],
        summarizeRun(run2),
      );
      assert.deepEqual(
        run2.stages[0]?.jobs.map((job) => [job.name, job.state, job.result]),
        [["compile", "completed", "failed"]],
      );
      const failedLog = await api.console("three", 2, "build", "compile");
      assert.ok(!failedLog.includes("unit-tests-of-run"), "stage 2 output must not appear in stage 1's log");
      // The artifact is uploaded even though the job failed (GoCD uploads at job end, also on failure).
      const failedArtifact = await api.request("GET", artifactPath.replace("/runs/1/", "/runs/2/"));
      assert.equal(failedArtifact.status, 200);
    });
  },
);
