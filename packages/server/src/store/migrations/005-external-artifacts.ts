/**
 * Migration 005: files of GoCD `external` artifacts. The bytes live in an artifact store's bucket (the cloud
 * endpoint); this table records where each file went and its SHA-256, so fetches list and verify them.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const externalArtifactsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, idColumn, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("external_artifacts")
      .addColumn("id", id, idColumn)
      .addColumn("job_run_id", id, (c) => c.notNull())
      .addColumn("artifact_id", "text", (c) => c.notNull())
      .addColumn("store_id", "text", (c) => c.notNull())
      .addColumn("bucket", "text", (c) => c.notNull())
      .addColumn("object_key", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("size", int64, (c) => c.notNull())
      .addColumn("sha256", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("external_artifacts_job_artifact_path")
      .on("external_artifacts")
      .columns(["job_run_id", "artifact_id", "path"])
      .unique()
      .execute();
  },
});
