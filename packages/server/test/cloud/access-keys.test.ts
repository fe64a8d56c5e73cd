/**
 * The access keys table behind the cloud endpoint's CredentialStore: sealed secrets, expiry, deletion that takes
 * effect at once, and jobs' keys that live exactly as long as the job's lease.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import test from "node:test";
import { AccessKeys, ADMIN_POLICY } from "../../src/cloud/access-keys.ts";
import { openSecret, sealSecret } from "../../src/cloud/secret-box.ts";
import { openMemoryDatabase } from "../../src/store/db.ts";

async function setup(t: test.TestContext) {
  const database = await openMemoryDatabase();
  t.after(() => database.close());
  let now = 1_800_000_000_000;
  const keys = new AccessKeys(database.db, randomBytes(32), () => now);
  return { db: database.db, keys, advance: (ms: number) => (now += ms), now: () => now };
}

/** A pipeline run with one stage and one job run holding `leaseId`; returns the job run's id. */
async function jobRun(db: Awaited<ReturnType<typeof setup>>["db"], leaseId: string): Promise<number> {
  const run = await db
    .insertInto("pipeline_runs")
    .values({
      pipeline: "app",
      counter: 1,
      label: "1",
      trigger_kind: "manual",
      trigger_user: "t",
      result: "building",
      config_json: "{}",
      variables_json: "{}",
      awaiting_stage: null,
      created_at: 0,
      completed_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const stage = await db
    .insertInto("stage_runs")
    .values({
      run_id: run.id,
      pipeline: "app",
      pipeline_counter: 1,
      name: "publish",
      stage_index: 0,
      counter: 1,
      result: "building",
      approval_type: "success",
      approved_by: null,
      rerun_of_counter: null,
      scheduled_at: 0,
      completed_at: null,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  const job = await db
    .insertInto("job_runs")
    .values({
      stage_run_id: stage.id,
      run_id: run.id,
      name: "upload",
      state: "building",
      result: "unknown",
      resources_json: "[]",
      agent_id: null,
      lease_id: leaseId,
      attempts: 1,
      cancel_requested: 0,
      waiting_reason: null,
      scheduled_at: 0,
      assigned_at: 0,
      completed_at: null,
      console_bytes: 0,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return job.id;
}

test("a sealed secret opens only with its data key and on its own row", () => {
  const dataKey = randomBytes(32);
  const sealed = sealSecret(dataKey, "s3cr3t", "AKIAAAAAAAAAAAAAAAAA");
  assert.ok(!Buffer.from(sealed, "base64").includes(Buffer.from("s3cr3t")));
  assert.equal(openSecret(dataKey, sealed, "AKIAAAAAAAAAAAAAAAAA"), "s3cr3t");
  assert.throws(() => openSecret(randomBytes(32), sealed, "AKIAAAAAAAAAAAAAAAAA"));
  assert.throws(() => openSecret(dataKey, sealed, "AKIABBBBBBBBBBBBBBBB"));
});

test("the admin key is made once; deleted and expired keys are unknown at once", async (t) => {
  const { keys, advance, now } = await setup(t);
  const admin = await keys.ensureAdminKey();
  assert.ok(admin);
  assert.equal(await keys.ensureAdminKey(), undefined);
  const found = await keys.store.find(admin.accessKeyId);
  assert.equal(found?.secretAccessKey, admin.secretAccessKey);
  assert.equal(found?.principalArn, "arn:aws:iam::000000000000:user/admin");
  assert.deepEqual(found?.policies, [ADMIN_POLICY]);

  await keys.delete(admin.accessKeyId);
  assert.equal(await keys.store.find(admin.accessKeyId), undefined, "the cache does not outlive a delete");
  assert.equal(await keys.ensureAdminKey(), undefined, "a deleted admin key does not come back");
  await assert.rejects(keys.delete(admin.accessKeyId), /no access key/);

  const { created } = await keys.create({ name: "ci", policy: ADMIN_POLICY, expiresAt: now() + 1_000 });
  assert.ok(await keys.store.find(created.accessKeyId));
  advance(1_000);
  assert.equal(await keys.store.find(created.accessKeyId), undefined);
  assert.equal(await keys.store.find("AKIANOSUCHKEY0000000"), undefined);
});

test("a job's key works while its lease is live and is purged after", async (t) => {
  const { db, keys } = await setup(t);
  const jobRunId = await jobRun(db, "lease-1");
  const { created } = await keys.create({
    name: "job-app-1-publish-upload",
    policy: ADMIN_POLICY,
    job: { jobRunId, leaseId: "lease-1" },
  });
  assert.ok(await keys.store.find(created.accessKeyId));
  assert.deepEqual(await keys.list(), [], "jobs' keys are not listed");

  // Rescheduled under a new lease: the old assignment's key dies.
  await db.updateTable("job_runs").set({ lease_id: "lease-2" }).where("id", "=", jobRunId).execute();
  assert.equal(await keys.store.find(created.accessKeyId), undefined);
  const second = await keys.create({
    name: "job-2",
    policy: ADMIN_POLICY,
    job: { jobRunId, leaseId: "lease-2" },
  });
  assert.ok(await keys.store.find(second.created.accessKeyId));

  await db
    .updateTable("job_runs")
    .set({ state: "completed", lease_id: null })
    .where("id", "=", jobRunId)
    .execute();
  assert.equal(await keys.store.find(second.created.accessKeyId), undefined);
  await keys.purgeDeadJobKeys();
  assert.equal(
    (await db.selectFrom("access_keys").select("access_key_id").execute()).length,
    0,
    "dead job keys are deleted",
  );
});
