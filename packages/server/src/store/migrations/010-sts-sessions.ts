/**
 * Migration 010: temporary credentials (STS sessions). The secret and the session token are sealed with the
 * data directory's key (SigV4 needs the secret in clear; a job's credentials route hands the token back); the
 * token is also stored as its SHA-256, which every request is compared with. A session is live until
 * `expires_at` or `revoked_at`; a job's session (`job_run_id`, `lease_id`) is revoked when the job ends.
 * Agents get a `role` (`fawkes agents set-role`): the role their jobs without a role of their own assume.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const stsSessionsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("sts_sessions")
      .addColumn("access_key_id", "text", (c) => c.primaryKey().notNull())
      .addColumn("secret_encrypted", "text", (c) => c.notNull())
      .addColumn("session_token_encrypted", "text", (c) => c.notNull())
      .addColumn("session_token_hash", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("role_arn", "text")
      .addColumn("role_name", "text")
      .addColumn("session_name", "text", (c) => c.notNull())
      .addColumn("principal_arn", "text", (c) => c.notNull())
      .addColumn("user_id", "text", (c) => c.notNull())
      .addColumn("source_access_key_id", "text")
      .addColumn("session_policies_json", "text", (c) => c.notNull())
      .addColumn("tags_json", "text", (c) => c.notNull())
      .addColumn("source_identity", "text")
      .addColumn("assumed_by", "text", (c) => c.notNull())
      .addColumn("owner_kind", "text", (c) => c.notNull())
      .addColumn("job_run_id", id)
      .addColumn("lease_id", "text")
      .addColumn("agent_id", "text")
      .addColumn("issued_at", int64, (c) => c.notNull())
      .addColumn("expires_at", int64, (c) => c.notNull())
      .addColumn("revoked_at", int64)
      .execute();
    await db.schema.createIndex("sts_sessions_job_run_id").on("sts_sessions").column("job_run_id").execute();
    await db.schema.createIndex("sts_sessions_role_arn").on("sts_sessions").column("role_arn").execute();
    await db.schema.createIndex("sts_sessions_expires_at").on("sts_sessions").column("expires_at").execute();
    await db.schema.alterTable("agents").addColumn("role", "text").execute();
  },
});
