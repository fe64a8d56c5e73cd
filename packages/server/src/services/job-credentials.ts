/**
 * POST /agent/v1/jobs/:jobRunId/credentials: the job's role credentials for its metadata endpoint. The newest
 * live session under the lease, or a new one when less than 20 minutes remain on it (older sessions stay valid
 * until they expire or the job ends). Runs as a step: a refresh can never land after the step that ended the
 * job (which revoked every session of it), and a lost lease is FAWKES_LEASE_LOST.
 */
import { ErrorCode, FawkesError, type JobCredentialsResponse } from "@fawkes/protocol";
import { assumeJobRole } from "../engine/dispatch/job-session.ts";
import type { Engine } from "../engine/engine.ts";
import { findRunById } from "../store/runs-repo.ts";
import type { AgentRecord } from "../store/records.ts";
import { requireLease } from "./job-reports.ts";

/** A session with less than this left is replaced (botocore refreshes at 15 minutes, the SDK at 5). */
export const REFRESH_BEFORE_MS = 20 * 60 * 1000;

export async function jobCredentials(
  engine: Engine,
  agent: AgentRecord,
  jobRunId: number,
  lease: string | undefined,
): Promise<JobCredentialsResponse> {
  const sessions = engine.ctx.cloud?.sessions;
  if (sessions === undefined) return { credentials: null };
  return engine.ctx.step(async (tx) => {
    const { job } = await requireLease(engine, agent, jobRunId, lease, tx);
    const leaseId = job.leaseId!;
    const latest = await sessions.latestJobSession(tx.db, job.id, leaseId);
    if (latest === undefined || latest.expiresAt - tx.now() < REFRESH_BEFORE_MS) {
      const run = await findRunById(tx.db, job.runId);
      const outcome = await assumeJobRole(tx, job, agent, run, leaseId);
      if (outcome.kind === "refused" && latest === undefined)
        throw new FawkesError(ErrorCode.roleNotTrusted, outcome.message);
    }
    return { credentials: (await sessions.jobRoleCredentials(tx.db, job.id, leaseId)) ?? null };
  });
}
