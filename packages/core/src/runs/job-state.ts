/** How a stage is decided from its jobs (the job and stage machines themselves are in machines.ts). */
import type { JobResult, JobState, RunResult } from "@fawkes/protocol";

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
