/** Access keys of the cloud endpoint. Secrets stay encrypted here; server/src/cloud decrypts them. */
import type { Executor } from "./executor.ts";
import type { DbAccessKey } from "./schema.ts";

export interface AccessKeyRecord {
  accessKeyId: string;
  name: string;
  principalArn: string;
  /** base64(iv ‖ tag ‖ ciphertext), see cloud/secret-box.ts. */
  secretEncrypted: string;
  secretHash: string;
  /** The IAM identity policy document. */
  policy: unknown;
  createdAt: number;
  expiresAt: number | null;
  sessionTokenHash: string | null;
  /** Set for a job's temporary key: valid only while that job run holds `leaseId`. */
  jobRunId: number | null;
  leaseId: string | null;
}

const toRecord = (row: DbAccessKey): AccessKeyRecord => ({
  accessKeyId: row.access_key_id,
  name: row.name,
  principalArn: row.principal_arn,
  secretEncrypted: row.secret_encrypted,
  secretHash: row.secret_hash,
  policy: JSON.parse(row.policy_json) as unknown,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  sessionTokenHash: row.session_token_hash,
  jobRunId: row.job_run_id,
  leaseId: row.lease_id,
});

export async function insertAccessKey(db: Executor, key: AccessKeyRecord): Promise<void> {
  await db
    .insertInto("access_keys")
    .values({
      access_key_id: key.accessKeyId,
      name: key.name,
      principal_arn: key.principalArn,
      secret_encrypted: key.secretEncrypted,
      secret_hash: key.secretHash,
      policy_json: JSON.stringify(key.policy),
      created_at: key.createdAt,
      expires_at: key.expiresAt,
      session_token_hash: key.sessionTokenHash,
      job_run_id: key.jobRunId,
      lease_id: key.leaseId,
      deleted: 0,
    })
    .execute();
}

/** A live (not deleted) key; expiry and job liveness are the caller's to check. */
export async function findAccessKey(db: Executor, accessKeyId: string): Promise<AccessKeyRecord | undefined> {
  const row = await db
    .selectFrom("access_keys")
    .selectAll()
    .where("access_key_id", "=", accessKeyId)
    .where("deleted", "=", 0)
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Keys people created (not jobs' temporary keys), oldest first. */
export async function listUserAccessKeys(db: Executor): Promise<AccessKeyRecord[]> {
  const rows = await db
    .selectFrom("access_keys")
    .selectAll()
    .where("deleted", "=", 0)
    .where("job_run_id", "is", null)
    .orderBy("created_at")
    .orderBy("access_key_id")
    .execute();
  return rows.map(toRecord);
}

/** Marks a key deleted and forgets its secret; false when there was no live key with that id. */
export async function deleteAccessKey(db: Executor, accessKeyId: string): Promise<boolean> {
  const result = await db
    .updateTable("access_keys")
    .set({ deleted: 1, secret_encrypted: "" })
    .where("access_key_id", "=", accessKeyId)
    .where("deleted", "=", 0)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Whether job run `jobRunId` still holds lease `leaseId` (its key is valid exactly that long). */
export async function jobLeaseLive(db: Executor, jobRunId: number, leaseId: string): Promise<boolean> {
  const row = await db
    .selectFrom("job_runs")
    .select(["state", "lease_id"])
    .where("id", "=", jobRunId)
    .executeTakeFirst();
  return row !== undefined && row.state !== "completed" && row.lease_id === leaseId;
}

/**
 * Removes jobs' keys that can no longer be used: expired, or their job completed or lost its lease (rescheduled).
 * Returns the ids removed, so caches can forget them.
 */
export async function purgeDeadJobAccessKeys(db: Executor, now: number): Promise<string[]> {
  const rows = await db
    .selectFrom("access_keys as k")
    .leftJoin("job_runs as j", "j.id", "k.job_run_id")
    .select(["k.access_key_id as id", "k.expires_at", "k.lease_id", "j.state", "j.lease_id as job_lease"])
    .where("k.job_run_id", "is not", null)
    .execute();
  const dead = rows
    .filter(
      (row) =>
        (row.expires_at !== null && row.expires_at <= now) ||
        row.state === null ||
        row.state === "completed" ||
        row.job_lease !== row.lease_id,
    )
    .map((row) => row.id);
  if (dead.length > 0) await db.deleteFrom("access_keys").where("access_key_id", "in", dead).execute();
  return dead;
}
