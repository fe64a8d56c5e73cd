/** GoCD's `run_instances`: one configured job becomes several job runs, each with its own name. */
import type { JobNeeds, SchedulingAgent } from "./agent-fits.ts";

export interface InstancedJob extends JobNeeds {
  name: string;
  /** null: one job run; a number: that many; `all`: one per enabled agent with the job's resources. */
  runInstances: number | "all" | null;
}

/**
 * The names of the job runs a job expands to: its own name, `name-runInstance-N`, or `name-runOnAll-N`. `all`
 * counts the enabled agents that have every resource the job needs (never fewer than one job run, so a job with
 * no such agent still waits and says why).
 */
export function jobInstanceNames(job: InstancedJob, agents: readonly SchedulingAgent[]): string[] {
  if (job.runInstances === null) return [job.name];
  const count =
    job.runInstances === "all"
      ? agents.filter(
          (a) => a.configState === "enabled" && job.resources.every((r) => a.resources.includes(r)),
        ).length
      : job.runInstances;
  const suffix = job.runInstances === "all" ? "runOnAll" : "runInstance";
  return Array.from({ length: Math.max(1, count) }, (_, i) => `${job.name}-${suffix}-${i + 1}`);
}
