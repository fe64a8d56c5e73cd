/**
 * The dispatch pass: hands the oldest scheduled jobs to the agents whose work polls are waiting, each under a
 * new lease. Pages through the queue only while some waiting agent is still free, so a pass costs little
 * however long the queue is. One pass is one step: the assignments commit together, and each agent hears of
 * its job only after COMMIT.
 */
import { randomUUID } from "node:crypto";
import { agentFits, jobMachine, transition } from "@fawkes/core";
import { listAgents, updateAgent } from "../../store/agents-repo.ts";
import type { AgentRecord, JobRunRecord, RunRecord } from "../../store/records.ts";
import { findRunById } from "../../store/runs-repo.ts";
import { findJobRun, scheduledJobRuns, updateJobRun } from "../../store/stages-repo.ts";
import { jobCredentialsNote } from "../../cloud/runtime.ts";
import { failJob, noteAfterCommit } from "./complete-job.ts";
import { assumeJobRole } from "./job-session.ts";
import type { DispatchContext } from "./context.ts";
import type { WorkPoll } from "./work-polls.ts";
import type { StepContext } from "../context.ts";

const QUEUE_PAGE = 50;

/** What a pass saw: `queue-empty` lets the dispatcher skip the passes of polls until a job is scheduled. */
export type PassOutcome = "queue-empty" | "done";

export async function dispatchPass(dc: DispatchContext, ctx: StepContext): Promise<PassOutcome> {
  const { workPolls } = dc;
  if (workPolls.size === 0) return "done";
  // The queue first: an empty one (the idle server's usual answer) costs one indexed query, not the agents' list.
  let page = await scheduledJobRuns(ctx.db, 0, QUEUE_PAGE);
  if (page.length === 0) return "queue-empty";
  const agents = (await listAgents(ctx.db)).filter(
    (a) => a.configState === "enabled" && a.currentJobRunId === null,
  );
  const free = new Map(agents.filter((a) => workPolls.isWaiting(a.id)).map((a) => [a.id, a]));
  const environments = ctx.config.snapshot().environments;
  const runs = new Map<number, RunRecord | undefined>();
  for (;;) {
    if (page.length === 0) return "done";
    for (const job of page) {
      if (free.size === 0) return "done";
      if (!runs.has(job.runId)) runs.set(job.runId, await findRunById(ctx.db, job.runId));
      const run = runs.get(job.runId);
      const environment = run?.config.environment ?? null;
      const candidates = [...free.values()].filter(
        (candidate) =>
          workPolls.isWaiting(candidate.id) && agentFits(candidate, job, environment, environments),
      );
      // An agent told of the run's news has fetched it already: its checkout need not.
      const urls = run ? gitUrls(run) : [];
      const now = ctx.now();
      const agent = candidates.find((c) => dc.hints.warm(c.id, urls, now)) ?? candidates[0];
      if (!agent) continue;
      dc.hints.checkedOut(agent.id, urls);
      free.delete(agent.id);
      await dispatchJob(dc, ctx, job, agent, run);
    }
    // A short page was the end of the queue.
    if (free.size === 0 || page.length < QUEUE_PAGE) return "done";
    page = await scheduledJobRuns(ctx.db, page.at(-1)!.id, QUEUE_PAGE);
  }
}

/** Gives `job` to `agent` under a new lease and answers the agent's work poll with the assignment. */
async function dispatchJob(
  dc: DispatchContext,
  ctx: StepContext,
  job: JobRunRecord,
  agent: AgentRecord,
  run: RunRecord | undefined,
): Promise<void> {
  const leaseId = randomUUID();
  const now = ctx.now();
  const state = transition(jobMachine, job.state, "assign");
  await updateJobRun(ctx.db, job.id, {
    state,
    agentId: agent.id,
    leaseId,
    attempts: job.attempts + 1,
    assignedAt: now,
    waitingReason: null,
  });
  await updateAgent(ctx.db, agent.id, { currentJobRunId: job.id });
  agent.currentJobRunId = job.id;
  const assigned: JobRunRecord = {
    ...job,
    state,
    agentId: agent.id,
    leaseId,
    attempts: job.attempts + 1,
    assignedAt: now,
  };
  // The job's role session is issued with its lease, in this step; a role that does not trust the job (or its
  // agent) fails the job here, and the agent stays free for the next job.
  const session = await assumeJobRole(ctx, assigned, agent, run, leaseId);
  if (session.kind === "refused") {
    ctx.log.warn({ jobRunId: job.id, agentId: agent.id }, "job role refused");
    await failJob(dc, ctx, assigned, session.message);
    agent.currentJobRunId = null;
    if (run) ctx.events.publish({ type: "run", pipeline: run.pipeline, counter: run.counter });
    return;
  }
  if (session.kind === "issued") noteAfterCommit(dc, ctx, assigned, jobCredentialsNote(session.roleArn));
  const poll = dc.workPolls.take(agent.id);
  // Only a committed lease goes to the agent (a rolled-back one would be refused at its first report), and the
  // assignment is built after COMMIT (it reads the role session committed with the lease).
  ctx.afterCommit(() => {
    void answerPoll(dc, poll, assigned, agent, run);
  });
  ctx.log.info({ jobRunId: job.id, agentId: agent.id, job: job.name }, "job assigned");
  if (run) ctx.events.publish({ type: "run", pipeline: run.pipeline, counter: run.counter });
  ctx.events.publish({ type: "agent", agent: agent.name });
}

/** Answers the agent's poll with its assignment; one that cannot be built fails the job (its own step). */
async function answerPoll(
  dc: DispatchContext,
  poll: WorkPoll | undefined,
  job: JobRunRecord,
  agent: AgentRecord,
  run: RunRecord | undefined,
): Promise<void> {
  const { ctx } = dc;
  try {
    poll?.answer({ job: await dc.deps.buildAssignment(ctx, job, agent, run) });
    return;
  } catch (error) {
    ctx.log.error({ err: error, jobRunId: job.id }, "could not build job assignment");
    poll?.answer({ job: null });
    const why = `could not prepare the job: ${(error as Error).message}`;
    await ctx
      .step(async (tx) => {
        // Still under the lease just given: nothing else has touched the job since.
        const current = await findJobRun(tx.db, job.id);
        if (current?.leaseId === job.leaseId && current.state === "assigned")
          await failJob(dc, tx, current, why);
      })
      .catch((failure: unknown) =>
        ctx.log.error({ err: failure, jobRunId: job.id }, "failing the job failed"),
      );
  }
}

function gitUrls(run: RunRecord): string[] {
  return run.config.materials.flatMap((material) => (material.type === "git" ? [material.url] : []));
}
