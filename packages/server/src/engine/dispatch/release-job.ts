/**
 * The reschedule policy: a job whose agent no longer runs it (lost, or restarted) goes back to the queue under
 * a new lease, is cancelled if a cancel was asked for, or fails after `maxJobReschedules` reassignments.
 */
import { jobMachine, transition } from "@fawkes/core";
import type { JobRunRecord } from "../../store/records.ts";
import { updateJobRun } from "../../store/stages-repo.ts";
import type { StepContext } from "../context.ts";
import { endJobSessions } from "./end-job-sessions.ts";
import { completeJob, failJob, noteAfterCommit } from "./complete-job.ts";
import type { DispatchContext } from "./context.ts";

/** Runs in the caller's step. */
export async function releaseJob(
  dc: DispatchContext,
  tx: StepContext,
  job: JobRunRecord,
  why: string,
): Promise<void> {
  if (job.cancelRequested) {
    noteAfterCommit(dc, tx, job, `${why}; job cancelled`);
    await completeJob(dc, tx, job, "cancelled");
    return;
  }
  if (job.attempts > tx.options.maxJobReschedules) {
    await failJob(dc, tx, job, `${why}; failed after ${job.attempts} attempts`);
    return;
  }
  const state = transition(jobMachine, job.state, "reschedule");
  noteAfterCommit(dc, tx, job, `${why}; job rescheduled`);
  await updateJobRun(tx.db, job.id, {
    state,
    agentId: null,
    leaseId: null,
    assignedAt: null,
    waitingReason: `rescheduled: ${why}`,
  });
  // The lost lease's role sessions end here; the next assignment issues its own.
  await endJobSessions(tx, job.id, "rescheduled");
  tx.log.warn({ jobRunId: job.id }, "job rescheduled");
  tx.afterCommit(() => dc.kick("jobs-scheduled"));
}
