/**
 * FAWKES_TEST_STORE switches every server the helpers start to PostgreSQL: each gets a database of its own on
 * the process's shared cluster, dropped when its test ends; `database: "sqlite"` keeps a test on SQLite.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { access } from "node:fs/promises";
import { connect } from "node:net";
import path from "node:path";
import test, { type TestContext } from "node:test";
import {
  CleanupStack,
  repoRoot,
  startServerProcess,
  storeContents,
  testStore,
  waitFor,
} from "@fawkes/testing";

test("FAWKES_TEST_STORE names sqlite (the default) or postgres, and nothing else", () => {
  assert.equal(testStore({}), "sqlite");
  assert.equal(testStore({ FAWKES_TEST_STORE: "" }), "sqlite");
  assert.equal(testStore({ FAWKES_TEST_STORE: "sqlite" }), "sqlite");
  assert.equal(testStore({ FAWKES_TEST_STORE: "postgres" }), "postgres");
  assert.throws(() => testStore({ FAWKES_TEST_STORE: "mysql" }), /FAWKES_TEST_STORE must be .*"mysql"/);
});

/** Sets FAWKES_TEST_STORE for the rest of the test, restoring the process's own value when it ends. */
function withTestStore(t: TestContext, value: string): void {
  const saved = process.env.FAWKES_TEST_STORE;
  process.env.FAWKES_TEST_STORE = value;
  t.after(() => {
    if (saved === undefined) delete process.env.FAWKES_TEST_STORE;
    else process.env.FAWKES_TEST_STORE = saved;
  });
}

test(
  "on the postgres store each server gets a database of its own, dropped when its test ends",
  { timeout: 90_000 },
  async (t) => {
    withTestStore(t, "postgres");
    const scope = new CleanupStack();
    t.after(() => scope.close());
    const first = await startServerProcess(scope);
    // At the same time: a shared database would be refused by the first server's lock.
    const second = await startServerProcess(scope);

    for (const server of [first, second]) {
      assert.match(server.database ?? "", /^postgres:\/\/fawkes:[^@]+@127\.0\.0\.1:\d+\/test_\w+$/);
      assert.match(server.output(), /store: PostgreSQL/);
      await assert.rejects(access(path.join(server.dataDir, "fawkes.db")), { code: "ENOENT" });
    }
    assert.notEqual(first.database, second.database);
    assert.equal(new URL(first.database!).port, new URL(second.database!).port, "one cluster for both");
    // The store the helper reads is the server's: the migrations it ran are there.
    assert.match((await storeContents(first)).toString(), /001-initial/);

    const dropped = first.database!;
    await scope.close();
    const late = new CleanupStack();
    t.after(() => late.close());
    await assert.rejects(
      startServerProcess(late, { database: dropped, startTimeoutMs: 15_000 }),
      /does not exist/,
      "the database went with its test",
    );
  },
);

test(
  "database: sqlite keeps a server on its SQLite file whatever the suite's store",
  { timeout: 60_000 },
  async (t) => {
    withTestStore(t, "postgres");
    const server = await startServerProcess(t, { database: "sqlite" });
    assert.equal(server.database, undefined);
    assert.doesNotMatch(server.output(), /store: PostgreSQL/);
    await access(path.join(server.dataDir, "fawkes.db"));
  },
);

test(
  "the shared cluster is stopped and removed when its process is killed with SIGKILL",
  { timeout: 90_000 },
  async (t) => {
    const script = `
    import { sharedPostgres } from "@fawkes/testing";
    const postgres = await sharedPostgres();
    console.log(JSON.stringify({ dataDir: postgres.dataDir, port: postgres.port }));
    setInterval(() => {}, 60_000);
  `;
    const child = spawn(process.execPath, ["--input-type=module", "--eval", script], {
      cwd: repoRoot,
      stdio: ["ignore", "pipe", "inherit"],
    });
    t.after(() => child.kill("SIGKILL"));
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const started = await waitFor(
      () => (output.includes("\n") ? (JSON.parse(output) as { dataDir: string; port: number }) : undefined),
      {
        timeoutMs: 60_000,
        message: "the child's cluster to start",
        abortIf: () => (child.exitCode !== null ? "the child exited" : undefined),
      },
    );
    assert.equal(await accepts(started.port), true, "the cluster is up");

    child.kill("SIGKILL");
    await waitFor(async () => !(await exists(started.dataDir)) && !(await accepts(started.port)), {
      timeoutMs: 30_000,
      message: "the watchdog to stop the cluster and remove its files",
    });
  },
);

/** Whether something accepts TCP connections on 127.0.0.1:port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function exists(file: string): Promise<boolean> {
  return access(file).then(
    () => true,
    () => false,
  );
}
