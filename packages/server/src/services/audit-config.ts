/**
 * `config.change`: the server records, as the system, each config source whose revision differs from the one
 * its last entry names — a new commit in a config repository, an edited pipeline directory, or the first load
 * of a source. Reloading an unchanged source (a restart, a notify) adds nothing.
 */
import type { LoadedConfigSource } from "../engine/config-service.ts";
import { listAuditEntries } from "../store/audit-repo.ts";
import type { Executor } from "../store/executor.ts";
import { auditTarget, recordAudit, SYSTEM_ACTOR } from "./audit.ts";

export async function auditConfigChanges(
  db: Executor,
  now: number,
  sources: readonly LoadedConfigSource[],
): Promise<void> {
  for (const source of sources) {
    const target = auditTarget.config(source.source);
    const [last] = await listAuditEntries(db, {
      action: { value: "config.change", prefix: false },
      target: { value: target, prefix: false },
      limit: 1,
    });
    const previous = last ? (JSON.parse(last.detailsJson) as { revision?: unknown }).revision : null;
    if (previous === source.revision) continue;
    await recordAudit(db, {
      actor: SYSTEM_ACTOR,
      action: "config.change",
      target,
      details: {
        revision: source.revision,
        previous: typeof previous === "string" ? previous : null,
        pipelines: source.pipelines,
        issues: source.issues,
      },
      at: now,
    });
  }
}
