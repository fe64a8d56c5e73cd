/** The lost-agent sweep: jobs whose agent stopped sending heartbeats are released (release-job.ts). */
import { findAgentById, updateAgent } from "../../store/agents-repo.ts";
import type { JobRunRecord } from "../../store/records.ts";
import { activeJobRuns, findJobRun } from "../../store/stages-repo.ts";
import type { DispatchContext } from "./context.ts";
import { releaseJob } from "./release-job.ts";

/** How often the sweep runs: a fifth of the lost bound, between 200 ms and 1 s. */
export function sweepEveryMs(agentLostAfterMs: number): number {
  return Math.max(200, Math.min(1_000, Math.floor(agentLostAfterMs / 5)));
}

export async function sweepLostAgents(dc: DispatchContext): Promise<void> {
  const { ctx } = dc;
  const cutoff = ctx.now() - ctx.options.agentLostAfterMs;
  const active = await activeJobRuns(ctx.db);
  const stale: { job: JobRunRecord; agentName: string }[] = [];
  for (const job of active) {
    if (!job.agentId) continue;
    const agent = await findAgentById(ctx.db, job.agentId);
    // Counting from the server's start too: an agent is not lost for the time the server itself was down.
    const alive = agent ? dc.heartbeats.aliveAsOf(agent) : null;
    if (alive === null || alive < cutoff) stale.push({ job, agentName: agent?.name ?? job.agentId });
  }
  if (stale.length === 0) return;
  // One step per job: releasing one job (and deciding its stage) commits on its own.
  for (const { job, agentName } of stale) {
    await ctx.step(async (tx) => {
      // Re-read in the step: the job may have completed or been reassigned since.
      const current = await findJobRun(tx.db, job.id);
      if (!current || current.leaseId !== job.leaseId || current.state === "completed") return;
      await releaseJob(
        dc,
        tx,
        current,
        `agent ${agentName} was lost (no heartbeat for ${tx.options.agentLostAfterMs} ms)`,
      );
      if (current.agentId) await updateAgent(tx.db, current.agentId, { currentJobRunId: null });
      tx.events.publish({ type: "agent", agent: agentName });
    });
  }
}
