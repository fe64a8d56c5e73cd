/**
 * Migration 004: access keys of the cloud endpoint (S3 …). The secret is stored encrypted with the data
 * directory's key (SigV4 needs it in clear to recompute signatures) plus its SHA-256 for verification. Keys
 * of a job (`job_run_id`, `lease_id`) are valid only while that lease is live.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const accessKeysMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("access_keys")
      .addColumn("access_key_id", "text", (c) => c.primaryKey().notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("principal_arn", "text", (c) => c.notNull())
      .addColumn("secret_encrypted", "text", (c) => c.notNull())
      .addColumn("secret_hash", "text", (c) => c.notNull())
      .addColumn("policy_json", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .addColumn("expires_at", int64)
      .addColumn("session_token_hash", "text")
      .addColumn("job_run_id", id)
      .addColumn("lease_id", "text")
      .addColumn("deleted", "integer", (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.createIndex("access_keys_job_run_id").on("access_keys").column("job_run_id").execute();
  },
});
