/** A job run ends: recorded, its agent freed, its cancel polls answered, and its stage decided. */
import { jobMachine, transition } from "@fawkes/core";
import type { JobResult } from "@fawkes/protocol";
import { updateAgent } from "../../store/agents-repo.ts";
import type { JobRunRecord } from "../../store/records.ts";
import { stageRunWithCounts, updateJobRun } from "../../store/stages-repo.ts";
import type { StepContext } from "../context.ts";
import { endJobSessions } from "./end-job-sessions.ts";
import { evaluateStage } from "../run-lifecycle.ts";
import type { DispatchContext } from "./context.ts";

/** Marks a job completed and lets the stage decide, in the caller's step. */
export async function completeJob(
  dc: DispatchContext,
  tx: StepContext,
  job: JobRunRecord,
  result: JobResult,
): Promise<void> {
  await updateJobRun(tx.db, job.id, {
    state: transition(jobMachine, job.state, "complete"),
    result,
    completedAt: tx.now(),
    leaseId: null,
  });
  // The job's role sessions end with it, in this step: its credentials are refused from the next request.
  await endJobSessions(tx, job.id, "ended");
  if (job.agentId) {
    await updateAgent(tx.db, job.agentId, { currentJobRunId: null });
  }
  tx.afterCommit(() => dc.cancelPolls.wake(job.id));
  const stage = await stageRunWithCounts(tx.db, job.stageRunId);
  if (stage) await evaluateStage(tx, dc.hooks, stage.stage, stage.counts);
  tx.afterCommit(() => dc.kick("agent-freed"));
}

/** Fails the job, saying why in its console (once the failure is committed). */
export async function failJob(
  dc: DispatchContext,
  tx: StepContext,
  job: JobRunRecord,
  why: string,
): Promise<void> {
  noteAfterCommit(dc, tx, job, why);
  await completeJob(dc, tx, job, "failed");
}

/** Adds a `[fawkes]` line to the job's console once the step commits (console files are no transaction). */
export function noteAfterCommit(dc: DispatchContext, tx: StepContext, job: JobRunRecord, text: string): void {
  tx.afterCommit(() => {
    dc.deps
      .consoleNote(job, text)
      .catch((error: unknown) => dc.ctx.log.error({ err: error, jobRunId: job.id }, "console note failed"));
  });
}
