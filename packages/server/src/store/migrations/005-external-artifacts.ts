/**
 * Migration 005: files of GoCD `external` artifacts. The bytes live in an artifact store's bucket (the cloud
 * endpoint); this table records where each file went and its SHA-256, so fetches list and verify them.
 */
import type { Kysely, Migration } from "kysely";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const externalArtifactsMigration: Migration = {
  async up(db: AnyDb): Promise<void> {
    await db.schema
      .createTable("external_artifacts")
      .addColumn("id", "integer", (c) => c.primaryKey().autoIncrement())
      .addColumn("job_run_id", "integer", (c) => c.notNull())
      .addColumn("artifact_id", "text", (c) => c.notNull())
      .addColumn("store_id", "text", (c) => c.notNull())
      .addColumn("bucket", "text", (c) => c.notNull())
      .addColumn("object_key", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("sha256", "text", (c) => c.notNull())
      .addColumn("created_at", "integer", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("external_artifacts_job_artifact_path")
      .on("external_artifacts")
      .columns(["job_run_id", "artifact_id", "path"])
      .unique()
      .execute();
  },
};
