/**
 * An agent that asks for work while it holds a job either never received the assignment (resend it, same
 * lease) or lost it (the agent restarted): then the job is released (release-job.ts).
 */
import type { JobAssignment } from "@fawkes/protocol";
import { findAgentById, updateAgent } from "../../store/agents-repo.ts";
import type { AgentRecord } from "../../store/records.ts";
import { findJobRun } from "../../store/stages-repo.ts";
import type { DispatchContext } from "./context.ts";
import { releaseJob } from "./release-job.ts";

/** The assignment to send again, or null once the agent holds no job. Runs under the lock. */
export async function resumeOrRelease(
  dc: DispatchContext,
  agent: AgentRecord,
): Promise<JobAssignment | null> {
  const { ctx } = dc;
  const fresh = await findAgentById(ctx.db, agent.id);
  if (!fresh || fresh.currentJobRunId === null) return null;
  const job = await findJobRun(ctx.db, fresh.currentJobRunId);
  if (job && job.agentId === agent.id && job.state === "assigned") return dc.deps.buildAssignment(job, fresh);
  if (job && job.agentId === agent.id && job.state !== "completed") {
    await releaseJob(dc, job, `agent ${agent.name} restarted and no longer runs this job`);
  }
  await updateAgent(ctx.db, agent.id, { currentJobRunId: null });
  agent.currentJobRunId = null;
  return null;
}
