/**
 * `fawkes db copy`: a SQLite server runs a pipeline and stops; its database is copied into a fresh PostgreSQL
 * database; a server started on that database with the same data directory shows the same history and runs the
 * next counter. A running server, a non-empty target and a missing target are refused and change nothing.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ErrorCode } from "@fawkes/protocol";
import {
  createGitRepo,
  runCli,
  startAgentProcess,
  startFawkes,
  startPostgres,
  startServerProcess,
  summarizeRun,
  waitForAgent,
  waitForRun,
  withProcessOutput,
  yamlString,
} from "@fawkes/testing";

const pipelineYaml = (repoPath: string) => `
format_version: 10
pipelines:
  moving:
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
                    arguments: ["-c", "echo built run $GO_PIPELINE_COUNTER"]
      - check:
          jobs:
            unit:
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", "echo checked"]
`;

/** The URL without its password, which goes in PGPASSWORD (a `--to` with one is refused: `ps` shows it). */
function withoutPassword(url: string): { to: string; env: Record<string, string> } {
  const parsed = new URL(url);
  const password = decodeURIComponent(parsed.password);
  parsed.password = "";
  return { to: parsed.toString(), env: { PGPASSWORD: password } };
}

test(
  "fawkes db copy moves a stopped SQLite server's history to PostgreSQL, which then runs the next counter",
  { timeout: 180_000 },
  async (t) => {
    const postgres = await startPostgres(t);
    const database = await postgres.createDatabase();
    const target = withoutPassword(database);
    const repo = await createGitRepo(t, null);
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "moving.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: ["moving"],
      // The copy's source is a SQLite data directory by nature, whatever store the suite runs on.
      database: "sqlite",
    });
    const { server } = fawkes;
    const copy = (extra: string[] = []) =>
      runCli(["db", "copy", "--data-dir", server.dataDir, "--to", target.to, ...extra], { env: target.env });

    const history = await fawkes.diagnose(async () => {
      await repo.commit({ "README.md": "move me\n" }, "first");
      await fawkes.cliOk(["notify", repo.path]);
      const run1 = await waitForRun(fawkes.api, "moving", 1, (run) => run.result !== "building");
      assert.equal(run1.result, "passed", summarizeRun(run1));

      // A running server holds the data directory: the copy is refused before it touches the target.
      const refused = await copy();
      assert.equal(refused.code, 1, refused.stdout);
      assert.match(refused.stderr, new RegExp(`\\[${ErrorCode.dataDirInUse}\\]`));
      assert.match(refused.stderr, /stop the server first/);
      return fawkes.api.status("moving");
    });
    await server.kill("SIGTERM");
    for (const agent of fawkes.agents) await agent.kill("SIGTERM");

    const copied = await copy(["--json"]);
    assert.equal(copied.code, 0, copied.stderr);
    const result = JSON.parse(copied.stdout) as { target: string; tables: { table: string; rows: number }[] };
    assert.equal(result.target, `${postgres.host}:${postgres.port}/${new URL(database).pathname.slice(1)}`);
    const rowsOf = (table: string) => result.tables.find((entry) => entry.table === table)?.rows;
    assert.equal(rowsOf("pipeline_runs"), 1);
    assert.equal(rowsOf("stage_runs"), 2);
    assert.equal(rowsOf("job_runs"), 2);
    const order = result.tables.map((entry) => entry.table);
    assert.ok(order.indexOf("pipeline_runs") < order.indexOf("stage_runs"), order.join(", "));
    assert.ok(order.indexOf("stage_runs") < order.indexOf("job_runs"), order.join(", "));
    assert.doesNotMatch(copied.stdout + copied.stderr, new RegExp(target.env.PGPASSWORD!));

    // A second copy into the same (now full) database is refused and leaves it as it is.
    const again = await copy();
    assert.equal(again.code, 1);
    assert.match(again.stderr, new RegExp(`\\[${ErrorCode.databaseNotEmpty}\\]`));
    assert.match(again.stderr, /pipeline_runs/);

    const moved = await startServerProcess(t, {
      dataDir: server.dataDir,
      pipelines: [fawkes.pipelineDir],
      database,
    });
    const agent = await startAgentProcess(t, {
      serverUrl: moved.url,
      key: moved.autoRegisterKey,
      name: "agent-on-postgres",
    });
    await withProcessOutput(
      () => [moved, agent],
      async () => {
        assert.match(moved.output(), /store: PostgreSQL/);
        await waitForAgent(moved.api, "agent-on-postgres", "idle", { agent });
        assert.deepEqual(await moved.api.status("moving"), history, "the same runs, stages and jobs");
        assert.match(await moved.api.console("moving", 1, "build", "compile"), /built run 1/);

        const next = await moved.api.trigger("moving");
        assert.equal(next.counter, 2, "the counter continues from the copied history");
        const run2 = await waitForRun(moved.api, "moving", 2, (run) => run.result !== "building", {
          timeoutMs: 45_000,
        });
        assert.equal(run2.result, "passed", summarizeRun(run2));
        assert.deepEqual(
          (await moved.api.status("moving")).runs.map((run) => [run.counter, run.result]),
          [
            [2, "passed"],
            [1, "passed"],
          ],
        );
      },
    );
  },
);

test("fawkes db copy without a target, or with a password on the command line, exits 1 and says why", async () => {
  const missing = await runCli(["db", "copy", "--data-dir", "/nonexistent"], {
    env: { FAWKES_DATABASE_URL: "" },
  });
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^fawkes: no target database\n.*--to postgres:\/\//m);

  const withPassword = await runCli(["db", "copy", "--to", "postgres://u:secret@127.0.0.1:1/db"]);
  assert.equal(withPassword.code, 1);
  assert.match(withPassword.stderr, /process list/);
  assert.doesNotMatch(withPassword.stderr, /secret/, "the refused URL is repeated without its password");
});
