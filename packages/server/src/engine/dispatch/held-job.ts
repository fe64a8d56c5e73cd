/**
 * An agent that asks for work while it holds a job either never received the assignment (resend it, same
 * lease) or lost it (the agent restarted): then the job is released (release-job.ts).
 */
import { findAgentById, updateAgent } from "../../store/agents-repo.ts";
import type { AgentRecord, JobRunRecord } from "../../store/records.ts";
import { findJobRun } from "../../store/stages-repo.ts";
import type { StepContext } from "../context.ts";
import type { DispatchContext } from "./context.ts";
import { releaseJob } from "./release-job.ts";

/**
 * The job whose assignment is to be sent again (built after the step: building it may write a job's access
 * key), or null once the agent holds no job. Runs in the caller's step.
 */
export async function resumeOrRelease(
  dc: DispatchContext,
  tx: StepContext,
  agent: AgentRecord,
): Promise<{ job: JobRunRecord; agent: AgentRecord } | null> {
  const fresh = await findAgentById(tx.db, agent.id);
  if (!fresh || fresh.currentJobRunId === null) return null;
  const job = await findJobRun(tx.db, fresh.currentJobRunId);
  if (job && job.agentId === agent.id && job.state === "assigned") return { job, agent: fresh };
  if (job && job.agentId === agent.id && job.state !== "completed") {
    await releaseJob(dc, tx, job, `agent ${agent.name} restarted and no longer runs this job`);
  }
  await updateAgent(tx.db, agent.id, { currentJobRunId: null });
  agent.currentJobRunId = null;
  return null;
}
