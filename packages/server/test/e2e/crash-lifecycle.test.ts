/**
 * The crash test: the server is killed with SIGKILL at every write statement of its lifecycle steps in turn
 * (`FAWKES_TEST_FAILPOINT=write:N`), then just after every COMMIT of a step, before its side effects
 * (`commit:N`), while a two-stage run (an artifact published, then fetched) and its downstream pipeline go
 * through. After each kill the server restarts on the same data directory without the failpoint, and every
 * run must end passed (its jobs rescheduled if need be), counters must run 1..k with none skipped or reused,
 * no job may run more often than it was given leases, and every console line and artifact must be there.
 *
 * It runs on the suite's store (SQLite, or PostgreSQL under `FAWKES_TEST_STORE=postgres`). One git repository,
 * one data directory and one agent process serve every iteration: the agent outlives the
 * server's deaths (it retries with backoff and keeps its registration), as it does in production.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import pg from "pg";
import {
  createGitRepo,
  startFawkes,
  summarizeRun,
  tempDir,
  waitFor,
  waitForRun,
  yamlString,
  type ApiClient,
  type ServerProcess,
} from "@fawkes/testing";

/** Each task appends one line per execution: pipeline counter stage job. */
const record = (file: string) =>
  `echo "$GO_PIPELINE_NAME $GO_PIPELINE_COUNTER $GO_STAGE_NAME $GO_JOB_NAME" >> ${file}`;

const pipelinesYaml = (repoPath: string, executions: string) => `
format_version: 10
pipelines:
  crash-up:
    group: crash
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
        auto_update: false
    stages:
      - build:
          jobs:
            make:
              artifacts:
                - build:
                    source: out/app.txt
                    destination: pkg
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(`${record(executions)}; echo "line one of $GO_PIPELINE_COUNTER"; mkdir -p out; echo "app-$GO_PIPELINE_COUNTER" > out/app.txt; echo "line two of $GO_PIPELINE_COUNTER"`)}]
      - verify:
          jobs:
            check:
              tasks:
                - fetch:
                    stage: build
                    job: make
                    source: pkg/app.txt
                    destination: fetched
                    is_file: yes
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(`${record(executions)}; echo "fetched $(cat fetched/app.txt)"`)}]
  crash-down:
    group: crash
    materials:
      up:
        pipeline: crash-up
        stage: verify
    stages:
      - deploy:
          jobs:
            ship:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(`${record(executions)}; echo "shipped $GO_DEPENDENCY_LABEL_UP"`)}]
`;

const PIPELINES = ["crash-up", "crash-down"] as const;

test(
  "the server killed at each write and each commit of the lifecycle loses nothing and repeats nothing",
  { timeout: 900_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    await repo.commit({ "README.md": "crash me\n" }, "first");
    const executions = path.join(await tempDir(t, "fawkes-crash-"), "executions.log");
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "crash.gocd.yaml": pipelinesYaml(repo.path, executions) },
      expectPipelines: [...PIPELINES],
    });
    const { api, server } = fawkes;
    const database = storeQuery(server);
    const started = Date.now();
    let runs = 0;
    let kills = 0;

    await fawkes.diagnose(async () => {
      for (const kind of ["write", "commit"] as const) {
        for (let n = 1; ; n++) {
          const failpoint = `${kind}:${n}`;
          const expected = runs + 1;
          const killed = await crashAt(server, failpoint, async (dead) => {
            await api.trigger("crash-up").catch(() => undefined);
            await waitFor(async () => (await finishedRuns(api)) === expected, {
              timeoutMs: 60_000,
              message: `both pipelines' run ${expected} to finish with ${failpoint} armed`,
              abortIf: () => (dead() ? "the server died" : undefined),
            });
          });
          if (killed) {
            kills++;
            await server.restart();
            // A trigger that never committed left no run: ask again (a person would).
            const latest = (await api.status("crash-up", 1)).runs[0]?.counter ?? 0;
            if (latest < expected) assert.equal((await api.trigger("crash-up")).counter, expected, failpoint);
          }
          runs = expected;
          await checkConsistent(api, database, executions, runs, failpoint);
          if (!killed) break;
        }
      }
    });
    t.diagnostic(`${runs} runs, ${kills} kills, ${Math.round((Date.now() - started) / 1000)} s`);
    assert.ok(kills >= 20, `the failpoints covered the lifecycle (${kills} kills)`);
  },
);

/**
 * Starts the server with `failpoint` armed and runs `scenario`; true if the server died by SIGKILL (at the
 * failpoint) before the scenario finished, false if the scenario finished with the server alive.
 */
async function crashAt(
  server: ServerProcess,
  failpoint: string,
  scenario: (dead: () => boolean) => Promise<void>,
): Promise<boolean> {
  const env = { NODE_ENV: "test", FAWKES_TEST_FAILPOINT: failpoint };
  const outcome = await server
    .restart(env)
    .then(() => {
      const armed = server.process;
      return Promise.race([scenario(() => armed.hasExited()).then(() => "finished" as const), armed.exited]);
    })
    .catch(async (error: unknown) => {
      // It may die while starting (an agent's request counts), before it answers its health check.
      if (!server.process.hasExited()) throw error;
      return server.process.exited;
    });
  if (outcome === "finished") return false;
  assert.equal(
    outcome.signal,
    "SIGKILL",
    `the server died at ${failpoint}, by its own SIGKILL\n${server.output()}`,
  );
  return true;
}

/** How many runs of both pipelines have finished, if both have the same number, else -1. */
async function finishedRuns(api: ApiClient): Promise<number> {
  const counts = [];
  for (const pipeline of PIPELINES) {
    const status = await api.status(pipeline, 1000);
    counts.push(status.runs.filter((run) => run.result !== "building").length);
  }
  return counts[0] === counts[1] ? (counts[0] ?? -1) : -1;
}

async function checkConsistent(
  api: ApiClient,
  database: StoreQuery,
  executions: string,
  runs: number,
  failpoint: string,
): Promise<void> {
  const context = `after ${failpoint}`;
  for (const pipeline of PIPELINES) {
    const last = await waitForRun(api, pipeline, runs, undefined, { timeoutMs: 60_000 });
    assert.equal(last.result, "passed", `${context}: ${pipeline}/${runs} ${summarizeRun(last)}`);
    const status = await api.status(pipeline, 1000);
    assert.deepEqual(
      status.runs.map((run) => [run.counter, run.result]),
      Array.from({ length: runs }, (_, index) => [runs - index, "passed"]),
      `${context}: ${pipeline}'s counters run 1..${runs}, none skipped or reused, all passed`,
    );
  }

  // What the server recorded: the counters it used, and how many leases it gave each job.
  const counters = await database("select name, last_counter from pipelines order by name");
  assert.deepEqual(
    counters.map((row) => [row.name, Number(row.last_counter)]),
    [
      ["crash-down", runs],
      ["crash-up", runs],
    ],
    `${context}: last_counter matches the runs`,
  );
  const outbox = await database("select count(*) as n from lifecycle_outbox");
  assert.equal(Number(outbox[0]?.n), 0, `${context}: every outbox row was carried out`);
  const jobs = await database(
    `select r.pipeline, r.counter, s.name as stage, j.name as job, sum(j.attempts) as attempts
     from job_runs j join stage_runs s on s.id = j.stage_run_id join pipeline_runs r on r.id = s.run_id
     group by r.pipeline, r.counter, s.name, j.name`,
  );
  const leases = new Map(
    jobs.map((row) => [`${row.pipeline} ${row.counter} ${row.stage} ${row.job}`, Number(row.attempts)]),
  );
  const ran = new Map<string, number>();
  for (const line of (await readFile(executions, "utf8")).split("\n").filter(Boolean))
    ran.set(line, (ran.get(line) ?? 0) + 1);
  for (const [job, times] of ran) {
    const given = leases.get(job) ?? 0;
    assert.ok(times <= given, `${context}: ${job} ran ${times} times under ${given} lease(s)`);
  }
  assert.equal(ran.size, runs * 3, `${context}: every job of every run ran`);

  // Console lines and the artifact, as the agent reported them.
  const build = await api.console("crash-up", runs, "build", "make");
  assert.match(build, new RegExp(`line one of ${runs}\\n[^]*line two of ${runs}\\n`), context);
  assert.match(
    await api.console("crash-up", runs, "verify", "check"),
    new RegExp(`fetched app-${runs}\\n`),
    context,
  );
  assert.match(
    await api.console("crash-down", runs, "deploy", "ship"),
    new RegExp(`shipped ${runs}\\n`),
    context,
  );
  const artifact = await api.request(
    "GET",
    apiPath(ApiRoutes.artifactFile.replace("*", "pkg/app.txt"), {
      name: "crash-up",
      counter: runs,
      stage: "build",
      stageCounter: 1,
      job: "make",
    }),
  );
  assert.equal(artifact.status, 200, context);
  assert.equal(await artifact.text(), `app-${runs}\n`, context);
}

/** Reads what the server recorded, from its SQLite file or its PostgreSQL database (the suite's store). */
type StoreQuery = (sql: string) => Promise<Record<string, unknown>[]>;

function storeQuery(server: ServerProcess): StoreQuery {
  const url = server.database;
  if (url === undefined) {
    const file = path.join(server.dataDir, "fawkes.db");
    return async (sql) => {
      const db = new DatabaseSync(file, { readOnly: true });
      try {
        return db.prepare(sql).all();
      } finally {
        db.close();
      }
    };
  }
  return async (sql) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(sql)).rows;
    } finally {
      await client.end();
    }
  };
}
