/**
 * Migration 013: the audit log. One row per audited change (services/audit.ts), written in the transaction of
 * the change it describes, so an audited change cannot commit without its entry. Rows are only ever added:
 * nothing updates or deletes them (retention is kept forever until an operations issue adds pruning). The id
 * orders entries and is the API's paging cursor; `at` is the time the change was made.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const auditMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, idColumn, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("audit_log")
      .addColumn("id", id, idColumn)
      .addColumn("at", int64, (c) => c.notNull())
      .addColumn("actor_kind", "text", (c) => c.notNull())
      .addColumn("actor_name", "text", (c) => c.notNull())
      .addColumn("action", "text", (c) => c.notNull())
      .addColumn("target", "text", (c) => c.notNull())
      .addColumn("details_json", "text", (c) => c.notNull())
      .addColumn("source_ip", "text")
      .execute();
    // The filters of GET /api/v1/audit, each paged newest first by id.
    await db.schema.createIndex("audit_log_at").on("audit_log").column("at").execute();
    await db.schema.createIndex("audit_log_action").on("audit_log").columns(["action", "id"]).execute();
    await db.schema.createIndex("audit_log_actor").on("audit_log").columns(["actor_name", "id"]).execute();
    await db.schema.createIndex("audit_log_target").on("audit_log").columns(["target", "id"]).execute();
  },
});
