/**
 * Migration 006: web UI sessions held by the server. The cookie carries a random id; only its SHA-256 is
 * stored, so the table gives nothing to log in with. Logout and API token rotation delete rows, which ends
 * the session at once (a stateless signed cookie could not be revoked).
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const sessionsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema
      .createTable("sessions")
      .addColumn("id_hash", "text", (c) => c.primaryKey())
      .addColumn("created_at", int64, (c) => c.notNull())
      .addColumn("expires_at", int64, (c) => c.notNull())
      .execute();
  },
});
