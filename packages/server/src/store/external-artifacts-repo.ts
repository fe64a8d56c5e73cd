/** Files of GoCD `external` artifacts: where each one lives in its artifact store, with size and SHA-256. */
import type { Executor } from "./executor.ts";

export interface ExternalArtifactFileRecord {
  jobRunId: number;
  artifactId: string;
  storeId: string;
  bucket: string;
  objectKey: string;
  /** Path below the artifact (including its Destination), `/`-separated. */
  path: string;
  size: number;
  sha256: string;
  createdAt: number;
}

/** Records one uploaded file; an upload retried for the same path replaces the earlier record. */
export async function upsertExternalArtifactFile(
  db: Executor,
  file: ExternalArtifactFileRecord,
): Promise<void> {
  await db
    .insertInto("external_artifacts")
    .values({
      job_run_id: file.jobRunId,
      artifact_id: file.artifactId,
      store_id: file.storeId,
      bucket: file.bucket,
      object_key: file.objectKey,
      path: file.path,
      size: file.size,
      sha256: file.sha256,
      created_at: file.createdAt,
    })
    .onConflict((conflict) =>
      conflict.columns(["job_run_id", "artifact_id", "path"]).doUpdateSet({
        store_id: file.storeId,
        bucket: file.bucket,
        object_key: file.objectKey,
        size: file.size,
        sha256: file.sha256,
        created_at: file.createdAt,
      }),
    )
    .execute();
}

export async function externalArtifactFiles(
  db: Executor,
  jobRunId: number,
  artifactId: string,
): Promise<ExternalArtifactFileRecord[]> {
  const rows = await db
    .selectFrom("external_artifacts")
    .selectAll()
    .where("job_run_id", "=", jobRunId)
    .where("artifact_id", "=", artifactId)
    .orderBy("path")
    .execute();
  return rows.map((row) => ({
    jobRunId: row.job_run_id,
    artifactId: row.artifact_id,
    storeId: row.store_id,
    bucket: row.bucket,
    objectKey: row.object_key,
    path: row.path,
    size: row.size,
    sha256: row.sha256,
    createdAt: row.created_at,
  }));
}
