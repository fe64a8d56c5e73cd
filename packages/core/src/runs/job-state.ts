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
    throw new FawkesError(ErrorCode.badRequest, 409, `a job cannot go from ${from} to ${to}`);
  }
}

/**
 * A stage's result from its jobs' results: building while any job is unfinished; then cancelled if any job
 * was cancelled, failed if any failed, passed otherwise (GoCD's rule).
 */
export function stageResultOf(jobs: readonly { state: JobState; result: JobResult }[]): RunResult {
  if (jobs.some((job) => job.state !== "completed")) return "building";
  if (jobs.some((job) => job.result === "cancelled")) return "cancelled";
  if (jobs.some((job) => job.result !== "passed")) return "failed";
  return "passed";
}
