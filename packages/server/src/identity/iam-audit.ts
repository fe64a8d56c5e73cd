/**
 * The audit entries of role, managed policy and instance-profile changes (docs/audit.md). The services record
 * them in the transaction of the change when the caller names who asked (`by`: a REST request's actor, the
 * IAM API's signing principal); a change without an origin (the server's own set-up) is not recorded.
 */
import type { AuditAction } from "@fawkes/protocol";
import { recordAudit, type AuditOrigin } from "../services/audit.ts";
import type { Executor } from "../store/executor.ts";

export type { AuditOrigin } from "../services/audit.ts";

export async function auditIam(
  db: Executor,
  by: AuditOrigin | undefined,
  entry: { action: AuditAction; target: string; details?: object; at: number },
): Promise<void> {
  if (by === undefined) return;
  await recordAudit(db, { ...by, ...entry });
}
