/**
 * Secrets at rest in the store: a run's secure variable values, webhook secrets, credentialed git URLs and
 * trigger-time values reach the database (on SQLite: the file and its WAL, byte for byte) only sealed, and read
 * back plain; migration 007 seals what older databases hold in clear and rewrites git fingerprints into their
 * keyed, credential-free form. Both stores: the sealing plugin sits above the dialect.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import type { PipelineConfig } from "@fawkes/core";
import { sql } from "kysely";
import { materialFingerprints } from "../../src/engine/fingerprints.ts";
import { openDatabase, type OpenDatabase } from "../../src/store/db.ts";
import { listMaterials, saveMaterialRevision } from "../../src/store/materials-repo.ts";
import type { RunRecord } from "../../src/store/records.ts";
import { findRun, insertRun, runMaterials } from "../../src/store/runs-repo.ts";
import { testOnEachBackend } from "./backends.ts";

const secrets = {
  secure: `secure-${randomBytes(6).toString("hex")}`,
  webhook: `whsec-${randomBytes(6).toString("hex")}`,
  password: `pw-${randomBytes(6).toString("hex")}`,
  trigger: `trigger-${randomBytes(6).toString("hex")}`,
};
const credentialedUrl = `https://deploy:${secrets.password}@git.example.com/app.git`;

const config = {
  name: "app",
  group: "g",
  environmentVariables: [
    { name: "PLAIN", value: "visible-value", secure: false },
    { name: "TOKEN", value: secrets.secure, secure: true },
  ],
  materials: [
    {
      type: "git",
      name: "src",
      url: credentialedUrl,
      branch: "main",
      webhookSecret: secrets.webhook,
      autoUpdate: false,
    },
  ],
  // User text that looks like a sealed value must come back as it was, not be taken for one.
  stages: [{ name: "build", note: `echo "fawkes:sealed:v1:AAAA"`, jobs: [] }],
} as unknown as PipelineConfig;

async function open(t: TestContext, file: string, dataKey: Buffer): Promise<OpenDatabase> {
  const handle = await openDatabase(file, { dataKey });
  t.after(() => handle.close());
  return handle;
}

/** SQLite: every byte the database keeps on disk (the file, its WAL, its shared-memory index). */
async function databaseBytes(file: string): Promise<string> {
  const dir = join(file, "..");
  const base = file.slice(dir.length + 1);
  const names = (await readdir(dir)).filter((name) => name.startsWith(base));
  assert.ok(names.includes(base));
  const parts = await Promise.all(names.map((name) => readFile(join(dir, name))));
  return Buffer.concat(parts).toString("latin1");
}

const leaked = (bytes: string): string[] => Object.values(secrets).filter((secret) => bytes.includes(secret));

async function insertSecretRun(db: OpenDatabase["db"], fingerprint: string): Promise<RunRecord> {
  return insertRun(db, {
    pipeline: "app",
    counter: 1,
    label: "1",
    trigger: { kind: "manual", user: "alice" },
    config,
    variables: { TOKEN: secrets.trigger, PLAIN: "visible-trigger" },
    createdAt: Date.now(),
    materials: [
      {
        material: "src",
        type: "git",
        fingerprint,
        revision: "a".repeat(40),
        fromRevision: "a".repeat(40),
        description: "first",
        changed: true,
        upstreamRunId: null,
      },
    ],
  });
}

testOnEachBackend("run secrets reach the database only sealed, and read back plain", async (t, backend) => {
  const file = await backend.create(t);
  const sqlite = backend.name === "sqlite";
  const dataKey = randomBytes(32);
  const { db, close } = await open(t, file, dataKey);
  const fingerprint = materialFingerprints(dataKey).git({ url: credentialedUrl, branch: "main" });
  await db.insertInto("pipelines").values(pipelineRow()).execute();
  const inserted = await insertSecretRun(db, fingerprint);
  assert.deepEqual(inserted.config, JSON.parse(JSON.stringify(config)), "the inserted record is plain too");
  await saveMaterialRevision(db, { fingerprint, url: credentialedUrl, branch: "main" }, "a".repeat(40), 1);

  const run = await findRun(db, "app", 1);
  assert.deepEqual(run?.config, JSON.parse(JSON.stringify(config)), "the engine sees the plain config");
  assert.deepEqual(run?.variables, { TOKEN: secrets.trigger, PLAIN: "visible-trigger" });
  // Renamed columns: the sealing plugin opens values only under their own names.
  const row = sqlite
    ? await sql<{ c: Uint8Array; v: Uint8Array }>`
        select cast(config_json as blob) as c, cast(variables_json as blob) as v from pipeline_runs`.execute(
        db,
      )
    : await sql<{ c: string; v: string }>`
        select config_json as c, variables_json as v from pipeline_runs`.execute(db);
  const raw = Buffer.from(row.rows[0]!.c).toString() + Buffer.from(row.rows[0]!.v).toString();
  assert.deepEqual(leaked(raw), [], "the stored columns hold no secret");
  assert.match(raw, /visible-value/, "only the secrets are sealed");
  assert.doesNotMatch(raw, /visible-trigger/, "every trigger value is sealed");

  // An update is sealed as well (no code path writes these columns in clear).
  await db
    .updateTable("pipeline_runs")
    .set({ variables_json: JSON.stringify({ TOKEN: secrets.trigger }) })
    .where("id", "=", inserted.id)
    .execute();
  assert.deepEqual((await findRun(db, "app", 1))?.variables, { TOKEN: secrets.trigger });
  if (sqlite) assert.deepEqual(leaked(await databaseBytes(file)), [], "before a checkpoint (WAL)");
  const [material] = await listMaterials(db);
  assert.equal(material?.url, "https://***@git.example.com/app.git");
  assert.doesNotMatch(material?.fingerprint ?? "", new RegExp(secrets.password));
  assert.doesNotMatch((await runMaterials(db, run!.id))[0]?.fingerprint ?? "", new RegExp(secrets.password));
  if (sqlite) await sql`pragma wal_checkpoint(truncate)`.execute(db);
  await close();
  if (sqlite) assert.deepEqual(leaked(await databaseBytes(file)), [], "after a checkpoint");

  await assert.rejects(
    async () => {
      const other = await open(t, file, randomBytes(32));
      await findRun(other.db, "app", 1);
    },
    /unable to authenticate|Unsupported state/,
    "another data key cannot open the secrets",
  );
});

test("fingerprints: credentials never show, and URLs differing only in credentials stay apart", () => {
  const fingerprints = materialFingerprints(randomBytes(32));
  const one = fingerprints.git({ url: "https://u:first@host/r.git", branch: "main" });
  const two = fingerprints.git({ url: "https://u:second@host/r.git", branch: "main" });
  assert.match(one, /^https:\/\/\*\*\*@host\/r\.git#main#[0-9a-f]{16}$/);
  assert.notEqual(one, two);
  assert.equal(one, fingerprints.git({ url: "https://u:first@host/r.git", branch: "main" }));
  assert.notEqual(
    one,
    materialFingerprints(randomBytes(32)).git({ url: "https://u:first@host/r.git", branch: "main" }),
  );
  assert.doesNotMatch(fingerprints.configSource("https://u:first@host/c.git#main"), /first/);
});

testOnEachBackend(
  "migration 007 seals what an older database holds in clear and rewrites git fingerprints",
  async (t, backend) => {
    const file = await backend.create(t);
    const sqlite = backend.name === "sqlite";
    const dataKey = randomBytes(32);
    const oldFingerprint = `${credentialedUrl}#main`;
    {
      const { db, close } = await open(t, file, dataKey);
      // Rows as a server before 007 wrote them (raw SQL: the sealing plugin does not touch it).
      await db.insertInto("pipelines").values(pipelineRow()).execute();
      await sql`insert into pipeline_runs (pipeline, counter, label, trigger_kind, trigger_user, result, config_json,
      variables_json, awaiting_stage, created_at, completed_at) values ('app', 1, '1', 'manual', 'alice', 'passed',
      ${JSON.stringify(config)}, ${JSON.stringify({ TOKEN: secrets.trigger })}, null, 1, 2)`.execute(db);
      await sql`insert into run_materials (run_id, material, type, fingerprint, revision, from_revision, description,
      changed, upstream_run_id) values (1, 'src', 'git', ${oldFingerprint}, 'abc', 'abc', 'x', 1, null)`.execute(
        db,
      );
      await sql`insert into materials (fingerprint, type, url, branch, last_revision, last_checked_at, last_error)
      values (${oldFingerprint}, 'git', ${credentialedUrl}, 'main', 'abc', 1, null)`.execute(db);
      // Back to the schema before 007: later migrations are undone too.
      for (const table of await tablesAfter007(db, sqlite))
        await sql`drop table ${sql.table(table)}${sql.raw(sqlite ? "" : " cascade")}`.execute(db);
      // Columns later migrations added to tables of 001–007 (010, 012, 014).
      await sql`alter table agents drop column role`.execute(db);
      await sql`drop index agents_previous_token_hash`.execute(db);
      await sql`alter table agents drop column previous_token_hash`.execute(db);
      await sql`alter table agents drop column previous_token_until`.execute(db);
      await sql`alter table sessions drop column user_id`.execute(db);
      await sql`delete from fawkes_migrations where name >= '007-sealed-secrets'`.execute(db);
      if (sqlite) await sql`pragma wal_checkpoint(truncate)`.execute(db);
      await close();
      if (sqlite) assert.notDeepEqual(leaked(await databaseBytes(file)), [], "the old rows are in clear");
    }
    const { db, close } = await open(t, file, dataKey);
    const run = await findRun(db, "app", 1);
    assert.deepEqual(run?.config, JSON.parse(JSON.stringify(config)));
    assert.deepEqual(run?.variables, { TOKEN: secrets.trigger });
    const expected = materialFingerprints(dataKey).git({ url: credentialedUrl, branch: "main" });
    assert.equal((await runMaterials(db, run!.id))[0]?.fingerprint, expected);
    const [material] = await listMaterials(db);
    assert.deepEqual(
      [material?.fingerprint, material?.url],
      [expected, "https://***@git.example.com/app.git"],
    );
    const stored = await sql<{ c: string; v: string }>`
    select config_json as c, variables_json as v from pipeline_runs`.execute(db);
    assert.deepEqual(leaked(stored.rows[0]!.c + stored.rows[0]!.v), [], "the rows are sealed in place");
    await close();
    if (sqlite) assert.deepEqual(leaked(await databaseBytes(file)), []);
  },
);

function pipelineRow() {
  return {
    name: "app",
    paused: 0,
    pause_reason: null,
    paused_by: null,
    locked_by_counter: null,
    last_counter: 1,
    updated_at: 1,
  };
}

/** The tables of 001–007 (the schema migration 007 first ran on); later migrations' tables are dropped. */
const TABLES_OF_007 = new Set([
  "pipelines",
  "pipeline_runs",
  "run_materials",
  "stage_runs",
  "job_runs",
  "agents",
  "materials",
  "artifacts",
  "key_values",
  "access_keys",
  "external_artifacts",
  "sessions",
  "fawkes_migrations",
  "fawkes_migrations_lock",
  "sqlite_sequence",
]);

/** Tables later migrations added, children before the tables they reference (newest first). */
async function tablesAfter007(db: OpenDatabase["db"], sqlite: boolean): Promise<string[]> {
  const { rows } = sqlite
    ? await sql<{
        name: string;
      }>`select name from sqlite_master where type = 'table' order by rowid desc`.execute(db)
    : await sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_schema = current_schema() order by table_name desc`.execute(db);
  return rows.map((row) => row.name).filter((name) => !TABLES_OF_007.has(name));
}
