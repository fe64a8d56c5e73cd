/**
 * Migration 008: the lifecycle outbox. A step that decides something needing git I/O, which cannot happen inside
 * its transaction (a downstream pipeline to start once a stage passed, changes to check once a pipeline is
 * unlocked), writes the decision here in that transaction; the outbox worker (engine/outbox-worker.ts) consumes
 * the row in the transaction that acts on it, and a restarted server takes the rows a crash left.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const lifecycleOutboxMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, idColumn, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("lifecycle_outbox")
      .addColumn("id", id, idColumn)
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("pipeline", "text", (c) => c.notNull())
      .addColumn("stage_run_id", id, (c) => c.references("stage_runs.id").onDelete("cascade"))
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
  },
});
