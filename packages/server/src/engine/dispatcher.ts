/**
 * Dispatch: hands scheduled jobs to idle agents. Agents long-poll POST /agent/v1/work; a job becoming scheduled
 * or an agent arriving queues a dispatch pass at once (no timer between the two). This facade wires the steps,
 * each in its own file under dispatch/: the work polls (work-polls.ts), the dispatch pass (dispatch-pass.ts),
 * heartbeats and agent state (agent-heartbeats.ts), the lost-agent sweep (lost-agents.ts) and the reschedule
 * policy (release-job.ts), a job's completion (complete-job.ts) and the `wait-cancel` polls (cancel-polls.ts).
 * The rules themselves (which agent fits which job, why a job waits, an agent's state) are core's.
 */
import { waitingReason, type EnvironmentMembers } from "@fawkes/core";
import type { AgentState, JobResult, WorkResponse } from "@fawkes/protocol";
import type { AgentRecord, JobRunRecord } from "../store/records.ts";
import { splitCredentials } from "../materials/index.ts";
import { scheduledJobRuns } from "../store/stages-repo.ts";
import type { EngineContext, StepContext } from "./context.ts";
import { AgentHeartbeats } from "./dispatch/agent-heartbeats.ts";
import { CancelPolls } from "./dispatch/cancel-polls.ts";
import { completeJob } from "./dispatch/complete-job.ts";
import type { DispatchContext, DispatcherDeps, KickReason } from "./dispatch/context.ts";
import { dispatchPass, type PassOutcome } from "./dispatch/dispatch-pass.ts";
import { resumeOrRelease } from "./dispatch/held-job.ts";
import { sweepEveryMs, sweepLostAgents } from "./dispatch/lost-agents.ts";
import { WorkPolls } from "./dispatch/work-polls.ts";
import { PrefetchHints } from "./prefetch-hints.ts";
import type { LifecycleHooks } from "./run-lifecycle.ts";

export type { DispatcherDeps, KickReason } from "./dispatch/context.ts";

/**
 * How long a pass's "the queue is empty" spares the passes of arriving polls. Every path that schedules a job
 * kicks with `jobs-scheduled`, which ends the spared time at once; the bound is the safety net for a path that
 * would not: while agents wait, a pass runs at least this often, so such a job waits about this long, never
 * forever.
 */
export const TRUST_EMPTY_QUEUE_MS = 1_000;

export class Dispatcher {
  readonly #dc: DispatchContext;
  #passQueued = false;
  #stopSweep: (() => void) | undefined;
  #stopSafetyNet: (() => void) | undefined;
  /** Bumped by every kick but a poll's: a pass that saw an empty queue under an older one proves nothing. */
  #generation = 0;
  /** When a pass last found the queue empty (its start), under which generation. */
  #queueEmpty: { generation: number; at: number } | undefined;
  /** A `jobs-scheduled` kick came since the last pass began. */
  #jobsScheduled = false;

  constructor(ctx: EngineContext, hooks: LifecycleHooks, deps: DispatcherDeps) {
    this.#dc = {
      ctx,
      hooks,
      deps,
      workPolls: new WorkPolls(ctx.clock),
      cancelPolls: new CancelPolls(ctx.clock),
      heartbeats: new AgentHeartbeats(ctx),
      hints: new PrefetchHints(),
      kick: (reason) => this.kick(reason),
    };
  }

  start(): void {
    const { ctx } = this.#dc;
    this.#stopSweep = ctx.clock.every(
      sweepEveryMs(ctx.options.agentLostAfterMs),
      () =>
        void this.sweepLostAgents().catch((error: unknown) =>
          ctx.log.error({ err: error }, "lost-agent sweep failed"),
        ),
    );
    this.#stopSafetyNet = ctx.clock.every(TRUST_EMPTY_QUEUE_MS, () => {
      if (this.#dc.workPolls.size > 0) this.#queuePass();
    });
    this.#dc.heartbeats.start();
    this.kick("start");
  }

  /** Ends the held polls and the sweep, and writes the heartbeats still due. */
  async stop(): Promise<void> {
    this.#stopSweep?.();
    this.#stopSafetyNet?.();
    this.#dc.workPolls.endAll();
    this.#dc.cancelPolls.wakeAll();
    await this.#dc.heartbeats.stop();
  }

  /** Records that the agent was heard from (in memory; stored in batches, agent-heartbeats.ts). */
  touch(agent: AgentRecord): void {
    this.#dc.heartbeats.touch(agent);
  }

  /** When the agent was last heard from (for display: its state counts the server's start too). */
  lastSeen(agent: AgentRecord): number | null {
    return this.#dc.heartbeats.lastSeen(agent);
  }

  stateOf(agent: AgentRecord): AgentState {
    return this.#dc.heartbeats.stateOf(agent);
  }

  /**
   * Long poll for work. Resolves with a job; with `job: null` when `waitMs` passes or `signal` aborts; or
   * early with prefetch hints.
   */
  async work(agent: AgentRecord, waitMs: number, signal: AbortSignal): Promise<WorkResponse> {
    this.touch(agent);
    if (agent.currentJobRunId !== null) {
      const held = await this.#dc.ctx.step((tx) => resumeOrRelease(this.#dc, tx, agent));
      if (held) return { job: await this.#dc.deps.buildAssignment(this.#dc.ctx, held.job, held.agent) };
    }
    const response = this.#dc.workPolls.hold(agent, waitMs, signal);
    if (agent.configState === "enabled") this.kick("poll");
    return response;
  }

  /** Whether the agent's work poll is held now (tests wait for it before they advance the clock). */
  isPolling(agentId: string): boolean {
    return this.#dc.workPolls.isWaiting(agentId);
  }

  /** Wakes an agent's pending long poll (e.g. after it was enabled) so it polls again at once. */
  wake(agentId: string): void {
    this.#dc.workPolls.answer(agentId, { job: null });
  }

  /**
   * Tells idle agents about a new revision (or, without one, that the repository was just pushed to), so their
   * fetch overlaps the server's own and the scheduling of the run: at most `wanted` of them, the number of jobs
   * the news can start ({@link PrefetchHints}). Only enabled agents that are not lost hear of anything: a
   * pending or disabled agent has not been let in. A repository whose URL carries credentials gets no hint at
   * all: an agent holds credentials only inside a job, so its prefetch could not authenticate.
   */
  prefetch(url: string, revision: string | undefined, wanted: number): void {
    const remote = splitCredentials(url);
    if (remote.credentials) return;
    const hint = revision === undefined ? { url: remote.url } : { url: remote.url, revision };
    const waiting = this.#dc.workPolls
      .all()
      .filter((poll) => this.stateOf(poll.agent) === "idle")
      .map((poll) => poll.agent.id);
    for (const agentId of this.#dc.hints.recipients(waiting, url, revision, wanted, this.#dc.ctx.now()))
      this.#dc.workPolls.answer(agentId, { job: null, prefetch: [hint] });
  }

  /**
   * Queues one dispatch pass; many kicks in the same tick coalesce. A poll's kick is dropped while the last pass
   * found the queue empty, nothing but polls kicked since, and that was under {@link TRUST_EMPTY_QUEUE_MS} ago:
   * an idle server's polls open no transaction. Every other kick runs a pass.
   */
  kick(reason: KickReason): void {
    if (reason === "jobs-scheduled") this.#jobsScheduled = true;
    if (reason !== "poll") {
      this.#generation++;
      this.#queueEmpty = undefined;
    } else if (
      this.#queueEmpty?.generation === this.#generation &&
      this.#dc.ctx.now() - this.#queueEmpty.at < TRUST_EMPTY_QUEUE_MS
    )
      return;
    this.#queuePass();
  }

  /** Whether polls now run no pass: a pass found the queue empty, nothing but polls kicked since, recently. */
  get trustsEmptyQueue(): boolean {
    return (
      this.#queueEmpty?.generation === this.#generation &&
      this.#dc.ctx.now() - this.#queueEmpty.at < TRUST_EMPTY_QUEUE_MS
    );
  }

  #queuePass(): void {
    const { ctx } = this.#dc;
    if (this.#passQueued) return;
    this.#passQueued = true;
    setImmediate(() => {
      this.#passQueued = false;
      // No agent waits: nothing to assign, no transaction to open.
      if (this.#dc.workPolls.size === 0) return;
      const generation = this.#generation;
      const at = ctx.now();
      const jobsScheduled = this.#jobsScheduled;
      this.#jobsScheduled = false;
      this.#pass(jobsScheduled)
        .then((outcome: PassOutcome) => {
          if (outcome === "queue-empty" && generation === this.#generation)
            this.#queueEmpty = { generation, at };
        })
        .catch((error: unknown) => ctx.log.error({ err: error }, "dispatch pass failed"));
    });
  }

  /**
   * One pass. An empty queue (the idle server's usual answer) is seen by one read, without a step: a job
   * scheduled after that read comes with its `jobs-scheduled` kick, which voids this pass's "empty".
   */
  async #pass(jobsScheduled: boolean): Promise<PassOutcome> {
    const { ctx } = this.#dc;
    // Jobs were just scheduled: the queue is worth a step without asking first.
    if (!jobsScheduled && (await scheduledJobRuns(ctx.db, 0, 1)).length === 0) return "queue-empty";
    return ctx.step((tx) => dispatchPass(this.#dc, tx));
  }

  /** Why a scheduled job still waits, in words (computed when asked, so it is never stale). */
  waitingReason(
    job: Pick<JobRunRecord, "resources" | "waitingReason">,
    environment: string | null,
    all: AgentRecord[],
  ): string {
    const { ctx, heartbeats } = this.#dc;
    const environments: readonly EnvironmentMembers[] = ctx.config.snapshot().environments;
    return waitingReason({
      job,
      environment,
      environments,
      agents: all.map((agent) => ({ ...agent, lastSeen: heartbeats.aliveAsOf(agent) })),
      now: ctx.now(),
      lostAfterMs: ctx.options.agentLostAfterMs,
    });
  }

  /** Fails over jobs whose agent stopped sending heartbeats. */
  sweepLostAgents(): Promise<void> {
    return sweepLostAgents(this.#dc);
  }

  /** Marks a job completed and lets the stage decide, in the caller's step. */
  completeJob(tx: StepContext, job: JobRunRecord, result: JobResult): Promise<void> {
    return completeJob(this.#dc, tx, job, result);
  }

  /** Long poll used by the agent while a job runs: true as soon as the job is cancelled. */
  waitCancel(
    jobRunId: number,
    waitMs: number,
    signal: AbortSignal,
    isCancelled: () => Promise<boolean>,
  ): Promise<boolean> {
    return this.#dc.cancelPolls.hold(jobRunId, waitMs, signal, isCancelled);
  }

  wakeCancelWaiters(jobRunId: number): void {
    this.#dc.cancelPolls.wake(jobRunId);
  }
}
