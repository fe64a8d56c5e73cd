/**
 * A job's role session, issued in the step that creates its lease (and refreshed in a step of its own, so it
 * can never outlive the job: the step that ends the job revokes every session of it). The role is the job's
 * own `role:` (its stage's, its pipeline's), else its agent's; a job with neither gets no credentials at all.
 */
import { FawkesError } from "@fawkes/protocol";
import { jobSubject, trustsAgent, trustsJob } from "../../identity/job-roles.ts";
import type { AgentRecord, JobRunRecord, RunRecord } from "../../store/records.ts";
import { findStageRun } from "../../store/stages-repo.ts";
import { jobConfigOf } from "../assignment.ts";
import type { StepContext } from "../context.ts";

/** A job's session lasts an hour (awscli 2.9 misbehaves with much shorter ones); refreshes keep it going. */
export const JOB_SESSION_SECONDS = 3600;

export type JobSessionOutcome =
  | { kind: "none" }
  | { kind: "issued"; roleArn: string }
  /** The role does not exist, or its trust policy does not allow the job (or its agent): the job fails. */
  | { kind: "refused"; message: string };

/** Issues the job's role session under `leaseId` in the step's transaction, or says why it cannot. */
export async function assumeJobRole(
  ctx: StepContext,
  job: JobRunRecord,
  agent: AgentRecord,
  run: RunRecord | undefined,
  leaseId: string,
): Promise<JobSessionOutcome> {
  const sessions = ctx.cloud?.sessions;
  if (sessions === undefined || run === undefined) return { kind: "none" };
  // No role anywhere in the run and none on the agent: nothing to look up.
  const roleInRun = run.config.stages.some((stage) => stage.jobs.some((j) => j.role !== undefined));
  if (!roleInRun && agent.role == null) return { kind: "none" };
  const stageRun = await findStageRun(ctx.db, job.stageRunId);
  if (stageRun === undefined) return { kind: "none" };
  let own: string | undefined;
  try {
    own = jobConfigOf(run, stageRun.name, job.name).job.role;
  } catch (error) {
    if (error instanceof FawkesError) return { kind: "none" };
    throw error;
  }
  const reference = own ?? agent.role ?? undefined;
  if (reference === undefined) return { kind: "none" };
  const whose = own !== undefined ? "the job's role" : `agent ${agent.name}'s role`;
  const role = await sessions.roles.findRole(reference, ctx.db);
  if (role === undefined)
    return { kind: "refused", message: `${whose} ${reference} does not exist: the job gets no credentials` };
  const identity = {
    pipeline: run.pipeline,
    counter: run.counter,
    stage: stageRun.name,
    job: job.name,
    agent: agent.name,
  };
  const now = ctx.now();
  if (own !== undefined ? !trustsJob(role, identity, now) : !trustsAgent(role, agent.name, now))
    return {
      kind: "refused",
      message:
        own !== undefined
          ? `role ${role.name}'s trust policy does not allow ${jobSubject(identity.pipeline, identity.stage, identity.job)} to assume it (Principal {"Federated": "arn:aws:iam::000000000000:oidc-provider/fawkes"}, Action sts:AssumeRoleWithWebIdentity, condition key fawkes:sub)`
          : `role ${role.name}'s trust policy does not allow agent ${agent.name} to assume it (Principal {"Service": "ec2.amazonaws.com"}, Action sts:AssumeRole, condition key fawkes:agent)`,
    };
  await sessions.issueForJob(
    ctx.db,
    role,
    {
      jobRunId: job.id,
      leaseId,
      agentId: agent.id,
      agentName: agent.name,
      pipeline: run.pipeline,
      counter: run.counter,
      stage: stageRun.name,
      job: job.name,
    },
    JOB_SESSION_SECONDS,
  );
  return { kind: "issued", roleArn: role.arn };
}
