/**
 * Migration 019: the signals a stack's resources received (CloudFormation's `SignalResource`, `cfn-signal`,
 * `fawkes signal` and `PUT`s of a wait condition handle's URL). A resource with a `CreationPolicy` completes once
 * `Count` SUCCESS signals came; a wait condition's `Data` attribute is made of them. `unique_id` is the signal's
 * UniqueId (an instance's id by default): a repeated one counts once, as on AWS, hence the unique index. For a
 * wait condition handle, `logical_id` is the handle's (its URL names it). Rows are only ever added.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const stackSignalsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, idColumn, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("stack_signals")
      .addColumn("id", id, idColumn)
      .addColumn("stack_id", "text", (c) => c.notNull())
      .addColumn("logical_id", "text", (c) => c.notNull())
      .addColumn("unique_id", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("reason", "text", (c) => c.notNull())
      .addColumn("data", "text", (c) => c.notNull())
      .addColumn("at", int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("stack_signals_unique")
      .on("stack_signals")
      .columns(["stack_id", "logical_id", "unique_id"])
      .unique()
      .execute();
  },
});
