/**
 * The JobState machine: one transition table; services go through `assertJobTransition`.
 * `completed` is terminal. `scheduled` may be re-entered from an assigned/preparing/building job when its
 * agent is lost (rescheduling).
 */
import { ErrorCode, FawkesError, type JobResult, type JobState, type RunResult } from "@fawkes/protocol";

const transitions: Readonly<Record<JobState, readonly JobState[]>> = {
  scheduled: ["assigned", "completed"],
  assigned: ["preparing", "building", "completing", "completed", "scheduled"],
  preparing: ["building", "completing", "completed", "scheduled"],
  building: ["completing", "completed", "scheduled"],
  completing: ["completed", "scheduled"],
  completed: [],
};

export function canTransitionJob(from: JobState, to: JobState): boolean {
  return from === to ? from !== "completed" : transitions[from].includes(to);
}

export function assertJobTransition(from: JobState, to: JobState): void {
  if (!canTransitionJob(from, to)) {
    throw new FawkesError(ErrorCode.illegalTransition, `a job cannot go from ${from} to ${to}`);
  }
}

/** How many of a stage's jobs are unfinished, and how the finished ones ended. */
export interface StageJobCounts {
  unfinished: number;
  cancelled: number;
  /** Completed with any result other than passed or cancelled. */
  failed: number;
}

/**
 * A stage's result from its jobs: building while any job is unfinished; then cancelled if any job was
 * cancelled, failed if any failed, passed otherwise (GoCD's rule).
 */
export function stageResultOf(counts: StageJobCounts): RunResult {
  if (counts.unfinished > 0) return "building";
  if (counts.cancelled > 0) return "cancelled";
  if (counts.failed > 0) return "failed";
  return "passed";
}

/** The counts of a list of jobs (for callers that have the rows anyway). */
export function countStageJobs(jobs: readonly { state: JobState; result: JobResult }[]): StageJobCounts {
  const counts = { unfinished: 0, cancelled: 0, failed: 0 };
  for (const job of jobs) {
    if (job.state !== "completed") counts.unfinished++;
    else if (job.result === "cancelled") counts.cancelled++;
    else if (job.result !== "passed") counts.failed++;
  }
  return counts;
}
