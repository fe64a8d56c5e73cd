/**
 * Migration 002: indexes for the lookups the scheduler makes on every job — passed runs of an upstream stage
 * (dependency materials, fan-in) and agents by token hash — which otherwise scan whole tables.
 */
import type { Kysely, Migration } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const lookupIndexesMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createIndex("stage_runs_pipeline_name_result")
      .on("stage_runs")
      .columns(["pipeline", "name", "result", "pipeline_counter", "counter"])
      .execute();
    await db.schema.createIndex("agents_token_hash").on("agents").column("token_hash").execute();
  },
};
