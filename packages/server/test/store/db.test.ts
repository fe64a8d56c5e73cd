import { randomBytes } from "node:crypto";
import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { migrateToLatest, openDatabase, openMemoryDatabase, type OpenDatabase } from "../../src/store/db.ts";

async function tempDbFile(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fawkes-db-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  // A directory that does not exist yet: openDatabase must create it.
  return join(dir, "nested", "fawkes.db");
}

const dataKey = randomBytes(32);

async function openTemp(t: TestContext, file: string): Promise<OpenDatabase> {
  const handle = await openDatabase(file, { dataKey });
  t.after(() => handle.close());
  return handle;
}

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

test("migrating an up-to-date database again applies nothing", async (t) => {
  const { db } = await openTemp(t, await tempDbFile(t));
  assert.deepEqual(await migrateToLatest(db, dataKey), []);
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
    ],
  );
});

test("rows round-trip through kysely on a real file, with ids and bigints intact", async (t) => {
  const { db } = await openTemp(t, await tempDbFile(t));
  const createdAt = 1_767_225_600_123; // beyond 32 bits: stored as a 64-bit integer
  const inserted = await db
    .insertInto("pipeline_runs")
    .values({ ...run("build", 1), created_at: createdAt })
    .returning("id")
    .executeTakeFirstOrThrow();
  assert.equal(typeof inserted.id, "number");

  const result = await db.insertInto("pipeline_runs").values(run("build", 2)).executeTakeFirstOrThrow();
  assert.equal(result.insertId, BigInt(inserted.id + 1));

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

test("booleans given as parameters are stored as 0/1", async (t) => {
  const { db } = await openMemoryDatabase();
  t.after(() => db.destroy());
  await sql`insert into key_values (key, value) values (${"flag"}, ${true})`.execute(db);
  const row = await db.selectFrom("key_values").selectAll().executeTakeFirstOrThrow();
  assert.equal(row.value, "1");
});

test("constraints: counters unique per pipeline, live agent names unique, foreign keys enforced", async (t) => {
  const { db } = await openMemoryDatabase();
  t.after(() => db.destroy());
  await db.insertInto("pipeline_runs").values(run("build", 1)).execute();
  await db.insertInto("pipeline_runs").values(run("deploy", 1)).execute();
  await assert.rejects(db.insertInto("pipeline_runs").values(run("build", 1)).execute(), /UNIQUE/);

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
  await assert.rejects(db.insertInto("agents").values(agent("a3", 0)).execute(), /UNIQUE/);

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
    /FOREIGN KEY/,
  );
});

test("a failed transaction rolls back, and the single connection stays usable", async (t) => {
  const { db } = await openTemp(t, await tempDbFile(t));
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
});

test("data survives close and reopen; WAL mode and foreign keys are on", async (t) => {
  const file = await tempDbFile(t);
  const first = await openDatabase(file, { dataKey });
  await first.db.insertInto("key_values").values({ key: "k", value: "v" }).execute();
  await first.close();

  const second = await openTemp(t, file);
  const row = await second.db.selectFrom("key_values").selectAll().executeTakeFirstOrThrow();
  assert.deepEqual({ ...row }, { key: "k", value: "v" });
  const journal = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(second.db);
  assert.equal(journal.rows[0]?.journal_mode, "wal");
  const foreignKeys = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(second.db);
  assert.equal(foreignKeys.rows[0]?.foreign_keys, 1);
  const busy = await sql<{ timeout: number }>`pragma busy_timeout`.execute(second.db);
  assert.equal(busy.rows[0]?.timeout, 5000);
});
