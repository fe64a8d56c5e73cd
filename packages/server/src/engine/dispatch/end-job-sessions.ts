/** A job's role sessions end with it: revoked in the step that ends (or reschedules) the job, and audited. */
import { auditTarget, recordAudit, SYSTEM_ACTOR } from "../../services/audit.ts";
import { revokeStsSessions } from "../../store/sts-sessions-repo.ts";
import type { StepContext } from "../context.ts";

export async function endJobSessions(
  tx: StepContext,
  jobRunId: number,
  why: "ended" | "rescheduled",
): Promise<void> {
  const revoked = await revokeStsSessions(tx.db, { jobRunId }, tx.now());
  for (const id of revoked)
    await recordAudit(tx.db, {
      actor: SYSTEM_ACTOR,
      action: "credentials.revoke",
      target: auditTarget.accessKey(id),
      details: { jobRunId, why },
      at: tx.now(),
    });
}
