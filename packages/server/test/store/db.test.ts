import { randomBytes } from "node:crypto";
import { test } from "node:test";
import assert from "node:assert/strict";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { sql } from "kysely";
import { migrateToLatest, openDatabase, openMemoryDatabase } from "../../src/store/db.ts";
import { backends, openStore, testOnEachBackend } from "./backends.ts";

const dataKey = randomBytes(32);

const run = (pipeline: string, counter: number) => ({
  pipeline,
  counter,
  label: String(counter),
  trigger_kind: "manual",
  trigger_user: "alice",
  result: "building",
  config_json: "{}",
  variables_json: "{}",
  awaiting_stage: null,
  created_at: Date.now(),
  completed_at: null,
});

testOnEachBackend("migrating an up-to-date database again applies nothing", async (t, backend) => {
  const { db } = await openStore(t, await backend.create(t), dataKey);
  assert.deepEqual(await migrateToLatest(db, dataKey, backend.name), []);
  const applied = await sql<{ name: string }>`select name from fawkes_migrations`.execute(db);
  assert.deepEqual(
    applied.rows.map((row) => row.name),
    [
      "001-initial",
      "002-lookup-indexes",
      "003-downstream-index",
      "004-access-keys",
      "005-external-artifacts",
      "006-sessions",
      "007-sealed-secrets",
      "008-lifecycle-outbox",
      "009-roles",
      "010-sts-sessions",
      "011-oidc-keys",
      "012-users",
      "013-audit",
      "014-agent-token-grace",
      "015-stacks",
      "016-policy-versions",
      "017-instances",
      "018-addresses",
      "019-stack-signals",
    ],
  );
});

testOnEachBackend("rows round-trip through kysely, with ids and bigints intact", async (t, backend) => {
  const { db } = await openStore(t, await backend.create(t), dataKey);
  const createdAt = 1_767_225_600_123; // beyond 32 bits: stored as a 64-bit integer
  const inserted = await db
    .insertInto("pipeline_runs")
    .values({ ...run("build", 1), created_at: createdAt })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal(typeof inserted.id, "number");

  const result = await db.insertInto("pipeline_runs").values(run("build", 2)).executeTakeFirstOrThrow();
  // PostgreSQL reports no insert id (the store always uses `returning`); SQLite's must be the rowid.
  if (backend.name === "sqlite") assert.equal(result.insertId, BigInt(inserted.id + 1));

  const updated = await db
    .updateTable("pipeline_runs")
    .set({ result: "passed" })
    .where("pipeline", "=", "build")
    .executeTakeFirstOrThrow();
  assert.equal(updated.numUpdatedRows, 2n);

  const row = await db
    .selectFrom("pipeline_runs")
    .selectAll()
    .where("id", "=", inserted.id)
    .executeTakeFirstOrThrow();
  assert.equal(row.created_at, createdAt);
  assert.equal(row.result, "passed");
  assert.equal(row.completed_at, null);

  const streamed: number[] = [];
  for await (const r of db.selectFrom("pipeline_runs").select("counter").orderBy("counter desc").stream()) {
    streamed.push(r.counter);
  }
  assert.deepEqual(streamed, [2, 1]);
});

// The node:sqlite driver's own conversion; on PostgreSQL the store binds booleans through `bool()` only.
test("booleans given as parameters are stored as 0/1 [sqlite]", async (t) => {
  const { db } = await openMemoryDatabase();
  t.after(() => db.destroy());
  await sql`insert into key_values (key, value) values (${"flag"}, ${true})`.execute(db);
  const row = await db.selectFrom("key_values").selectAll().executeTakeFirstOrThrow();
  assert.equal(row.value, "1");
});

const uniqueViolation = /UNIQUE constraint failed|duplicate key value violates unique constraint/;
const foreignKeyViolation = /FOREIGN KEY constraint failed|violates foreign key constraint/;

testOnEachBackend(
  "constraints: counters unique per pipeline, live agent names unique, foreign keys enforced",
  async (t, backend) => {
    const { db } = await openStore(t, await backend.create(t), dataKey);
    await db.insertInto("pipeline_runs").values(run("build", 1)).execute();
    await db.insertInto("pipeline_runs").values(run("deploy", 1)).execute();
    await assert.rejects(db.insertInto("pipeline_runs").values(run("build", 1)).execute(), uniqueViolation);

    const agent = (id: string, deleted: number) => ({
      id,
      name: "builder",
      hostname: "h",
      token_hash: "x",
      config_state: "enabled",
      resources_json: "[]",
      environments_json: "[]",
      registered_at: 1,
      last_heartbeat_at: null,
      current_job_run_id: null,
      deleted,
    });
    await db.insertInto("agents").values(agent("a1", 1)).execute();
    await db.insertInto("agents").values(agent("a2", 0)).execute();
    await assert.rejects(db.insertInto("agents").values(agent("a3", 0)).execute(), uniqueViolation);

    await assert.rejects(
      db
        .insertInto("stage_runs")
        .values({
          run_id: 999,
          pipeline: "build",
          pipeline_counter: 1,
          name: "test",
          stage_index: 0,
          counter: 1,
          result: "building",
          approval_type: "success",
          approved_by: null,
          rerun_of_counter: null,
          scheduled_at: 1,
        })
        .execute(),
      foreignKeyViolation,
    );
  },
);

testOnEachBackend(
  "a failed transaction rolls back, and the single connection stays usable",
  async (t, backend) => {
    const { db } = await openStore(t, await backend.create(t), dataKey);
    await assert.rejects(
      db.transaction().execute(async (trx) => {
        await trx.insertInto("pipeline_runs").values(run("build", 1)).execute();
        throw new Error("boom");
      }),
      /boom/,
    );
    assert.equal((await db.selectFrom("pipeline_runs").selectAll().execute()).length, 0);

    // A query issued while a transaction is open waits for it instead of joining it.
    let releaseTransaction!: () => void;
    const held = new Promise<void>((resolve) => (releaseTransaction = resolve));
    const transaction = db.transaction().execute(async (trx) => {
      await trx.insertInto("pipeline_runs").values(run("build", 2)).execute();
      await held;
      throw new Error("rolled back");
    });
    const outside = db.selectFrom("pipeline_runs").selectAll().execute();
    releaseTransaction();
    await assert.rejects(transaction, /rolled back/);
    assert.deepEqual(await outside, []);

    await db.transaction().execute(async (trx) => {
      await trx.insertInto("pipeline_runs").values(run("build", 3)).execute();
    });
    const counters = (await db.selectFrom("pipeline_runs").select("counter").execute()).map((r) => r.counter);
    assert.deepEqual(counters, [3]);
  },
);

testOnEachBackend("data survives close and reopen", async (t, backend) => {
  const target = await backend.create(t);
  const first = await openDatabase(target, { dataKey });
  await first.db.insertInto("key_values").values({ key: "k", value: "v" }).execute();
  await first.close();

  const second = await openStore(t, target, dataKey);
  const row = await second.db.selectFrom("key_values").selectAll().executeTakeFirstOrThrow();
  assert.deepEqual({ ...row }, { key: "k", value: "v" });
});

test("SQLite: WAL mode, foreign keys and the busy timeout are on", async (t) => {
  const sqlite = backends.find((backend) => backend.name === "sqlite")!;
  const { db } = await openStore(t, await sqlite.create(t), dataKey);
  const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(db);
  assert.equal(journal.rows[0]?.journal_mode, "wal");
  const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  assert.equal(foreignKeys.rows[0]?.foreign_keys, 1);
  const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(db);
  assert.equal(busy.rows[0]?.timeout, 5000);
});

const postgres = backends.find((backend) => backend.name === "postgres")!;

test("PostgreSQL: a second server on the same database is refused, and let in once the first closes", async (t) => {
  const url = await postgres.create(t);
  const first = await openStore(t, url, dataKey);
  const { hostname, port, pathname } = new URL(url);
  await assert.rejects(openDatabase(url, { dataKey }), (error: unknown) => {
    assert.ok(error instanceof FawkesError);
    assert.equal(error.code, ErrorCode.dataDirInUse);
    assert.equal(error.message, `database ${hostname}:${port}${pathname} is in use by another fawkes server`);
    return true;
  });
  // The refused server changed nothing: the first one still works, and nothing was migrated twice.
  await first.db.insertInto("key_values").values({ key: "k", value: "v" }).execute();
  await first.close();
  const second = await openStore(t, url, dataKey);
  assert.equal((await second.db.selectFrom("key_values").selectAll().execute()).length, 1);
});

test("PostgreSQL: an unreachable server or a wrong password is a clear error naming the host, never the password", async (t) => {
  const url = new URL(await postgres.create(t));
  const password = decodeURIComponent(url.password);
  url.password = "not-the-password";
  await assert.rejects(openDatabase(url.href, { dataKey }), (error: unknown) => {
    assert.ok(error instanceof FawkesError);
    assert.equal(error.code, ErrorCode.databaseUnavailable);
    assert.match(
      error.message,
      new RegExp(`^cannot connect to PostgreSQL at ${url.host}/test_\\w+: password authentication failed`),
    );
    assert.doesNotMatch(error.message, /not-the-password/);
    assert.ok(!error.message.includes(password));
    return true;
  });
  await assert.rejects(
    openDatabase("postgres://fawkes:secret-pw@127.0.0.1:1/fawkes", { dataKey }),
    (error: unknown) => {
      assert.ok(error instanceof FawkesError);
      assert.equal(error.code, ErrorCode.databaseUnavailable);
      assert.match(error.message, /^cannot connect to PostgreSQL at 127\.0\.0\.1:1\/fawkes: .*ECONNREFUSED/);
      assert.doesNotMatch(error.message, /secret-pw/);
      return true;
    },
  );
});
