/** Migration 003: find the runs built from a given upstream run (value stream map, downstream side). */
import type { Kysely, Migration } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const downstreamIndexMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createIndex("run_materials_upstream_run_id")
      .on("run_materials")
      .column("upstream_run_id")
      .execute();
  },
};
