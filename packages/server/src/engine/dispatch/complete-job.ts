/** A job run ends: recorded, its agent freed, its cancel polls answered, and its stage decided. */
import { jobMachine, transition } from "@fawkes/core";
import type { JobResult } from "@fawkes/protocol";
import { updateAgent } from "../../store/agents-repo.ts";
import type { JobRunRecord } from "../../store/records.ts";
import { findStageRun, updateJobRun } from "../../store/stages-repo.ts";
import { evaluateStage } from "../run-lifecycle.ts";
import type { DispatchContext } from "./context.ts";

/** Marks a job completed (the caller holds the lock) and lets the stage decide. */
export async function completeJob(dc: DispatchContext, job: JobRunRecord, result: JobResult): Promise<void> {
  const { ctx } = dc;
  await updateJobRun(ctx.db, job.id, {
    state: transition(jobMachine, job.state, "complete"),
    result,
    completedAt: ctx.now(),
    leaseId: null,
  });
  if (job.agentId) {
    await updateAgent(ctx.db, job.agentId, { currentJobRunId: null });
  }
  dc.cancelPolls.wake(job.id);
  const stage = await findStageRun(ctx.db, job.stageRunId);
  if (stage) await evaluateStage(ctx, dc.hooks, stage);
  dc.kick();
}

/** Fails the job, saying why in its console. */
export async function failJob(dc: DispatchContext, job: JobRunRecord, why: string): Promise<void> {
  await dc.deps.consoleNote(job, why);
  await completeJob(dc, job, "failed");
}
