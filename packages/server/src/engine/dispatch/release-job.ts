/**
 * The reschedule policy: a job whose agent no longer runs it (lost, or restarted) goes back to the queue under
 * a new lease, is cancelled if a cancel was asked for, or fails after `maxJobReschedules` reassignments.
 */
import { jobMachine, transition } from "@fawkes/core";
import type { JobRunRecord } from "../../store/records.ts";
import { updateJobRun } from "../../store/stages-repo.ts";
import { completeJob, failJob } from "./complete-job.ts";
import type { DispatchContext } from "./context.ts";

export async function releaseJob(dc: DispatchContext, job: JobRunRecord, why: string): Promise<void> {
  const { ctx } = dc;
  if (job.cancelRequested) {
    await dc.deps.consoleNote(job, `${why}; job cancelled`);
    await completeJob(dc, job, "cancelled");
    return;
  }
  if (job.attempts > ctx.options.maxJobReschedules) {
    await failJob(dc, job, `${why}; failed after ${job.attempts} attempts`);
    return;
  }
  const state = transition(jobMachine, job.state, "reschedule");
  await dc.deps.consoleNote(job, `${why}; job rescheduled`);
  await updateJobRun(ctx.db, job.id, {
    state,
    agentId: null,
    leaseId: null,
    assignedAt: null,
    waitingReason: `rescheduled: ${why}`,
  });
  ctx.log.warn({ jobRunId: job.id }, "job rescheduled");
  dc.kick();
}
