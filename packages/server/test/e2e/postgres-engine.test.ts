/**
 * The engine end to end on PostgreSQL: a real server process stores its state in a private PostgreSQL cluster
 * (`FAWKES_DATABASE_URL`), one agent runs a two-stage pipeline whose second stage fetches the first stage's
 * artifact, and after a restart the history is read back from the database and the next counter follows it.
 */
import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { access } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import {
  createGitRepo,
  startFawkes,
  startPostgres,
  summarizeRun,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const pipelineYaml = (repoPath: string) => `
format_version: 10
pipelines:
  pg:
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
              artifacts:
                - build:
                    source: build/out.txt
                    destination: build
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
                    arguments: ["-c", "grep -qxF \\"$(cat message.txt)\\" fetched/out.txt && echo verified"]
`;

test(
  "a two-stage pipeline with an artifact runs on PostgreSQL and its history survives a restart",
  { timeout: 120_000 },
  async (t) => {
    const postgres = await startPostgres(t);
    const database = await postgres.createDatabase();
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "pg.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: ["pg"],
      database,
    });
    const { api, server } = fawkes;

    await fawkes.diagnose(async () => {
      assert.match(server.output(), /store: PostgreSQL/, "the server names its PostgreSQL store");

      const message = `release-${randomUUID()}`;
      await repo.commit({ "message.txt": `${message}\n` }, "first");
      await fawkes.cliOk(["notify", repo.path]);

      const run1 = await waitForRun(api, "pg", 1, (run) => run.result !== "building");
      assert.equal(run1.result, "passed", summarizeRun(run1));
      assert.deepEqual(
        run1.stages.map((stage) => [stage.name, stage.counter, stage.result]),
        [
          ["build", 1, "passed"],
          ["verify", 1, "passed"],
        ],
      );
      assert.match(await api.console("pg", 1, "verify", "check"), /verified/);
      const artifactPath = apiPath(ApiRoutes.artifactFile.replace("*", "build/out.txt"), {
        name: "pg",
        counter: 1,
        stage: "build",
        stageCounter: 1,
        job: "compile",
      });
      const before = await api.status("pg");
      // The state went to PostgreSQL: no SQLite file was created beside the keys.
      await assert.rejects(access(path.join(server.dataDir, "fawkes.db")), { code: "ENOENT" });

      await server.restart();

      // The history is the database's, unchanged across the restart.
      assert.deepEqual(await api.status("pg"), before);
      const artifact = await api.request("GET", artifactPath);
      assert.equal(artifact.status, 200);
      assert.equal(await artifact.text(), `${message}\n`);
      assert.match(await api.console("pg", 1, "verify", "check"), /verified/, "logs outlive the restart");

      const next = await api.trigger("pg");
      assert.equal(next.counter, 2, "the counter continues from the stored history");
      const run2 = await waitForRun(api, "pg", 2, (run) => run.result !== "building", { timeoutMs: 45_000 });
      assert.equal(run2.result, "passed", summarizeRun(run2));
      const history = await api.status("pg");
      assert.deepEqual(
        history.runs.map((run) => [run.counter, run.result]),
        [
          [2, "passed"],
          [1, "passed"],
        ],
      );
    });
  },
);
