/** Last revisions seen on each material's remote, so a restart does not retrigger. */
import { redactUrl } from "../materials/redact.ts";
import type { Executor } from "./executor.ts";
import type { MaterialRecord } from "./records.ts";

export async function listMaterials(db: Executor): Promise<MaterialRecord[]> {
  const rows = await db.selectFrom("materials").selectAll().execute();
  return rows.map((row) => ({
    fingerprint: row.fingerprint,
    type: row.type,
    url: row.url,
    branch: row.branch,
    lastRevision: row.last_revision,
    lastCheckedAt: row.last_checked_at,
    lastError: row.last_error,
  }));
}

export async function saveMaterialRevision(
  db: Executor,
  material: { fingerprint: string; url: string; branch: string },
  revision: string,
  now: number,
): Promise<void> {
  await db
    .insertInto("materials")
    .values({
      fingerprint: material.fingerprint,
      type: "git",
      // For people reading the table: the fingerprint identifies the material, so credentials have no use here.
      url: redactUrl(material.url),
      branch: material.branch,
      last_revision: revision,
      last_checked_at: now,
      last_error: null,
    })
    .onConflict((oc) =>
      oc
        .column("fingerprint")
        .doUpdateSet({ last_revision: revision, last_checked_at: now, last_error: null }),
    )
    .execute();
}

export async function insertArtifact(
  db: Executor,
  jobRunId: number,
  file: { path: string; size: number; sha256: string },
  now: number,
): Promise<void> {
  await db
    .insertInto("artifacts")
    .values({ job_run_id: jobRunId, path: file.path, size: file.size, sha256: file.sha256, created_at: now })
    .onConflict((oc) =>
      oc
        .columns(["job_run_id", "path"])
        .doUpdateSet({ size: file.size, sha256: file.sha256, created_at: now }),
    )
    .execute();
}
