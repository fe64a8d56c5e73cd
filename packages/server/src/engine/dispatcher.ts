/**
 * Hands scheduled jobs to idle agents. Agents long-poll POST /agent/v1/work; a job becoming scheduled or
 * an agent arriving triggers an assignment pass at once (no timer between the two). Also tracks
 * heartbeats, fails over jobs of lost agents, and wakes `wait-cancel` long polls.
 */
import { randomUUID } from "node:crypto";
import type { AgentState, JobAssignment, JobResult, WorkResponse } from "@fawkes/protocol";
import { findAgentById, listAgents, updateAgent } from "../store/agents-repo.ts";
import type { AgentRecord, JobRunRecord, RunRecord } from "../store/records.ts";
import { findRunById } from "../store/runs-repo.ts";
import {
  activeJobRuns,
  findJobRun,
  findStageRun,
  scheduledJobRuns,
  updateJobRun,
} from "../store/stages-repo.ts";
import { splitCredentials } from "../materials/index.ts";
import type { EngineContext } from "./context.ts";
import { PrefetchHints } from "./prefetch-hints.ts";
import { evaluateStage, type LifecycleHooks } from "./run-lifecycle.ts";

interface Waiter {
  /** The agent as it was when its poll began (enabling or disabling it ends the poll). */
  agent: AgentRecord;
  resolve(response: WorkResponse): void;
}

export interface DispatcherDeps {
  buildAssignment(job: JobRunRecord, agent: AgentRecord): Promise<JobAssignment>;
  /** Adds a `[fawkes]` line to a job's console log (agent lost, rescheduled, …). */
  consoleNote(job: JobRunRecord, text: string): Promise<void>;
}

const HEARTBEAT_WRITE_EVERY_MS = 5_000;

export class Dispatcher {
  readonly #ctx: EngineContext;
  readonly #hooks: LifecycleHooks;
  readonly #deps: DispatcherDeps;
  readonly #waiting = new Map<string, Waiter>();
  readonly #cancelWaiters = new Map<number, Set<() => void>>();
  readonly #lastSeen = new Map<string, number>();
  readonly #lastWritten = new Map<string, number>();
  readonly #hints = new PrefetchHints();
  #passQueued = false;
  #sweepTimer: NodeJS.Timeout | undefined;

  constructor(ctx: EngineContext, hooks: LifecycleHooks, deps: DispatcherDeps) {
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#deps = deps;
  }

  start(): void {
    const every = Math.max(200, Math.min(1_000, Math.floor(this.#ctx.options.agentLostAfterMs / 5)));
    this.#sweepTimer = setInterval(
      () =>
        void this.sweepLostAgents().catch((error: unknown) =>
          this.#ctx.log.error({ err: error }, "lost-agent sweep failed"),
        ),
      every,
    );
    this.#sweepTimer.unref();
    this.kick();
  }

  stop(): void {
    clearInterval(this.#sweepTimer);
    for (const waiter of this.#waiting.values()) waiter.resolve({ job: null });
    this.#waiting.clear();
    for (const set of this.#cancelWaiters.values()) for (const wake of set) wake();
  }

  /** Records that the agent was heard from; persisted at most every few seconds. */
  touch(agent: AgentRecord): void {
    const now = this.#ctx.now();
    this.#lastSeen.set(agent.id, now);
    if (now - (this.#lastWritten.get(agent.id) ?? 0) >= HEARTBEAT_WRITE_EVERY_MS) {
      this.#lastWritten.set(agent.id, now);
      // A failed write is retried by the next heartbeat; it must never become an unhandled rejection (which ends
      // the server), and the in-memory time above keeps the agent alive meanwhile.
      updateAgent(this.#ctx.db, agent.id, { lastHeartbeatAt: now }).catch((error: unknown) => {
        this.#lastWritten.delete(agent.id);
        this.#ctx.log.error({ err: error, agentId: agent.id }, "recording an agent's heartbeat failed");
      });
    }
  }

  lastSeen(agent: AgentRecord): number | null {
    return this.#lastSeen.get(agent.id) ?? agent.lastHeartbeatAt;
  }

  stateOf(agent: AgentRecord): AgentState {
    if (agent.configState === "pending") return "pending";
    if (agent.configState === "disabled") return "disabled";
    const seen = this.lastSeen(agent);
    if (seen === null || this.#ctx.now() - seen > this.#ctx.options.agentLostAfterMs) return "lost";
    return agent.currentJobRunId === null ? "idle" : "building";
  }

  /**
   * Long poll for work. Resolves with a job; with `job: null` when `waitMs` passes or `signal` aborts; or
   * early with prefetch hints.
   */
  async work(agent: AgentRecord, waitMs: number, signal: AbortSignal): Promise<WorkResponse> {
    this.touch(agent);
    if (agent.currentJobRunId !== null) {
      const resent = await this.#ctx.lock.run(() => this.#resumeOrRelease(agent));
      if (resent) return { job: resent };
    }
    this.#waiting.get(agent.id)?.resolve({ job: null });
    return new Promise<WorkResponse>((resolve) => {
      const finish = (response: WorkResponse): void => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        if (this.#waiting.get(agent.id) === waiter) this.#waiting.delete(agent.id);
        resolve(response);
      };
      const onAbort = (): void => finish({ job: null });
      const waiter: Waiter = { agent, resolve: finish };
      this.#waiting.set(agent.id, waiter);
      const timer = setTimeout(() => finish({ job: null }), waitMs);
      signal.addEventListener("abort", onAbort, { once: true });
      if (agent.configState === "enabled") this.kick();
    });
  }

  /** Wakes an agent's pending long poll (e.g. after it was enabled) so it polls again at once. */
  wake(agentId: string): void {
    this.#waiting.get(agentId)?.resolve({ job: null });
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
    const waiting = [...this.#waiting.values()]
      .filter((waiter) => this.stateOf(waiter.agent) === "idle")
      .map((waiter) => waiter.agent.id);
    for (const agentId of this.#hints.recipients(waiting, url, revision, wanted, this.#ctx.now()))
      this.#waiting.get(agentId)?.resolve({ job: null, prefetch: [hint] });
  }

  /**
   * An agent that asks for work while it holds a job either never received the assignment (resend it,
   * same lease) or lost it (agent restarted): then the job goes back to the queue.
   */
  async #resumeOrRelease(agent: AgentRecord): Promise<JobAssignment | null> {
    const fresh = await findAgentById(this.#ctx.db, agent.id);
    if (!fresh || fresh.currentJobRunId === null) return null;
    const job = await findJobRun(this.#ctx.db, fresh.currentJobRunId);
    if (job && job.agentId === agent.id && job.state === "assigned")
      return this.#deps.buildAssignment(job, fresh);
    if (job && job.agentId === agent.id && job.state !== "completed") {
      await this.#releaseJob(job, `agent ${agent.name} restarted and no longer runs this job`);
    }
    await updateAgent(this.#ctx.db, agent.id, { currentJobRunId: null });
    agent.currentJobRunId = null;
    return null;
  }

  /** Queues one assignment pass; many kicks in the same tick coalesce. */
  kick(): void {
    if (this.#passQueued) return;
    this.#passQueued = true;
    setImmediate(() => {
      this.#passQueued = false;
      void this.#ctx.lock
        .run(() => this.#assignPass())
        .catch((error: unknown) => this.#ctx.log.error({ err: error }, "assignment pass failed"));
    });
  }

  /**
   * Hands the oldest fitting jobs to the agents waiting now. Pages through the queue only while some waiting
   * agent is still free, so a pass costs little however long the queue is.
   */
  async #assignPass(): Promise<void> {
    const idle = (): string[] => [...this.#waiting.keys()];
    if (idle().length === 0) return;
    const agents = (await listAgents(this.#ctx.db)).filter(
      (a) => a.configState === "enabled" && a.currentJobRunId === null,
    );
    const free = new Map(agents.filter((a) => this.#waiting.has(a.id)).map((a) => [a.id, a]));
    const runs = new Map<number, RunRecord | undefined>();
    let afterId = 0;
    while (free.size > 0) {
      const page = await scheduledJobRuns(this.#ctx.db, afterId, 50);
      if (page.length === 0) return;
      afterId = page.at(-1)!.id;
      for (const job of page) {
        if (free.size === 0) return;
        if (!runs.has(job.runId)) runs.set(job.runId, await findRunById(this.#ctx.db, job.runId));
        const run = runs.get(job.runId);
        const candidates = [...free.values()].filter(
          (candidate) =>
            this.#waiting.has(candidate.id) && this.fits(candidate, job, run?.config.environment ?? null),
        );
        // An agent told of the run's news has fetched it already: its checkout need not.
        const urls = run ? gitUrls(run) : [];
        const now = this.#ctx.now();
        const agent = candidates.find((c) => this.#hints.warm(c.id, urls, now)) ?? candidates[0];
        if (!agent) continue;
        this.#hints.checkedOut(agent.id, urls);
        free.delete(agent.id);
        await this.#assign(job, agent, run);
      }
    }
  }

  async #assign(job: JobRunRecord, agent: AgentRecord, run: RunRecord | undefined): Promise<void> {
    const leaseId = randomUUID();
    const now = this.#ctx.now();
    await updateJobRun(this.#ctx.db, job.id, {
      state: "assigned",
      agentId: agent.id,
      leaseId,
      attempts: job.attempts + 1,
      assignedAt: now,
      waitingReason: null,
    });
    await updateAgent(this.#ctx.db, agent.id, { currentJobRunId: job.id });
    agent.currentJobRunId = job.id;
    const assigned: JobRunRecord = {
      ...job,
      state: "assigned",
      agentId: agent.id,
      leaseId,
      attempts: job.attempts + 1,
      assignedAt: now,
    };
    const waiter = this.#waiting.get(agent.id);
    this.#waiting.delete(agent.id);
    try {
      waiter?.resolve({ job: await this.#deps.buildAssignment(assigned, agent) });
    } catch (error) {
      this.#ctx.log.error({ err: error, jobRunId: job.id }, "could not build job assignment");
      await this.#failJob(assigned, `could not prepare the job: ${(error as Error).message}`);
      waiter?.resolve({ job: null });
      return;
    }
    this.#ctx.log.info({ jobRunId: job.id, agentId: agent.id, job: job.name }, "job assigned");
    if (run) this.#ctx.events.publish({ type: "run", pipeline: run.pipeline, counter: run.counter });
    this.#ctx.events.publish({ type: "agent", agent: agent.name });
  }

  fits(agent: AgentRecord, job: Pick<JobRunRecord, "resources">, environment: string | null): boolean {
    if (!job.resources.every((resource) => agent.resources.includes(resource))) return false;
    const agentEnvironments = new Set(agent.environments);
    for (const env of this.#ctx.config.snapshot().environments)
      if (env.agents.includes(agent.name)) agentEnvironments.add(env.name);
    // GoCD: agents in an environment run only that environment's pipelines, and vice versa.
    return environment === null ? agentEnvironments.size === 0 : agentEnvironments.has(environment);
  }

  /** Why a scheduled job still waits, in words (computed when asked, so it is never stale). */
  waitingReason(
    job: Pick<JobRunRecord, "resources" | "waitingReason">,
    environment: string | null,
    all: AgentRecord[],
  ): string {
    const why = this.#whyWaiting(job, environment, all);
    return job.waitingReason ? `${why}; ${job.waitingReason}` : why;
  }

  #whyWaiting(job: Pick<JobRunRecord, "resources">, environment: string | null, all: AgentRecord[]): string {
    const eligible = all.filter(
      (agent) => agent.configState === "enabled" && this.fits(agent, job, environment),
    );
    const needs = job.resources.length > 0 ? ` with resources ${job.resources.join(", ")}` : "";
    const inEnv = environment ? ` in environment ${environment}` : "";
    if (eligible.length === 0) {
      const pending = all.filter((a) => a.configState === "pending").length;
      const hint =
        pending > 0
          ? ` (${pending} agent${pending > 1 ? "s" : ""} pending: enable with \`fawkes agents enable NAME\`)`
          : "";
      return `no enabled agent${needs}${inEnv}${hint}`;
    }
    const alive = eligible.filter((a) => this.stateOf(a) !== "lost");
    if (alive.length === 0) return `every agent${needs}${inEnv} is lost (no heartbeat)`;
    return `waiting for an idle agent${needs}${inEnv} (${alive.length} busy)`;
  }

  /** Fails over jobs whose agent stopped sending heartbeats. */
  async sweepLostAgents(): Promise<void> {
    const cutoff = this.#ctx.now() - this.#ctx.options.agentLostAfterMs;
    const active = await activeJobRuns(this.#ctx.db);
    const stale: { job: JobRunRecord; agentName: string }[] = [];
    for (const job of active) {
      if (!job.agentId) continue;
      const agent = await findAgentById(this.#ctx.db, job.agentId);
      const seen = agent ? this.lastSeen(agent) : null;
      if (seen === null || seen < cutoff) stale.push({ job, agentName: agent?.name ?? job.agentId });
    }
    if (stale.length === 0) return;
    await this.#ctx.lock.run(async () => {
      for (const { job, agentName } of stale) {
        const current = await findJobRun(this.#ctx.db, job.id);
        if (!current || current.leaseId !== job.leaseId || current.state === "completed") continue;
        await this.#releaseJob(
          current,
          `agent ${agentName} was lost (no heartbeat for ${this.#ctx.options.agentLostAfterMs} ms)`,
        );
        if (current.agentId) await updateAgent(this.#ctx.db, current.agentId, { currentJobRunId: null });
        this.#ctx.events.publish({ type: "agent", agent: agentName });
      }
    });
  }

  /** Puts a job back in the queue under a new lease, or fails it after too many reassignments. */
  async #releaseJob(job: JobRunRecord, why: string): Promise<void> {
    if (job.cancelRequested) {
      await this.#deps.consoleNote(job, `${why}; job cancelled`);
      await this.completeJob(job, "cancelled");
      return;
    }
    if (job.attempts > this.#ctx.options.maxJobReschedules) {
      await this.#failJob(job, `${why}; failed after ${job.attempts} attempts`);
      return;
    }
    await this.#deps.consoleNote(job, `${why}; job rescheduled`);
    await updateJobRun(this.#ctx.db, job.id, {
      state: "scheduled",
      agentId: null,
      leaseId: null,
      assignedAt: null,
      waitingReason: `rescheduled: ${why}`,
    });
    this.#ctx.log.warn({ jobRunId: job.id }, "job rescheduled");
    this.kick();
  }

  async #failJob(job: JobRunRecord, why: string): Promise<void> {
    await this.#deps.consoleNote(job, why);
    await this.completeJob(job, "failed");
  }

  /** Marks a job completed (under the lock) and lets the stage decide. */
  async completeJob(job: JobRunRecord, result: JobResult): Promise<void> {
    await updateJobRun(this.#ctx.db, job.id, {
      state: "completed",
      result,
      completedAt: this.#ctx.now(),
      leaseId: null,
    });
    if (job.agentId) {
      await updateAgent(this.#ctx.db, job.agentId, { currentJobRunId: null });
    }
    this.wakeCancelWaiters(job.id);
    const stage = await findStageRun(this.#ctx.db, job.stageRunId);
    if (stage) await evaluateStage(this.#ctx, this.#hooks, stage);
    this.kick();
  }

  /** Long poll used by the agent while a job runs: true as soon as the job is cancelled. */
  waitCancel(
    jobRunId: number,
    waitMs: number,
    signal: AbortSignal,
    isCancelled: () => Promise<boolean>,
  ): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.#cancelWaiters.get(jobRunId) ?? new Set<() => void>();
      this.#cancelWaiters.set(jobRunId, set);
      const done = (): void => {
        clearTimeout(timer);
        set.delete(wake);
        if (set.size === 0) this.#cancelWaiters.delete(jobRunId);
        signal.removeEventListener("abort", done);
        void isCancelled().then(resolve, () => resolve(false));
      };
      const wake = (): void => done();
      set.add(wake);
      const timer = setTimeout(done, waitMs);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  wakeCancelWaiters(jobRunId: number): void {
    for (const wake of this.#cancelWaiters.get(jobRunId) ?? []) wake();
  }
}

function gitUrls(run: RunRecord): string[] {
  return run.config.materials.flatMap((material) => (material.type === "git" ? [material.url] : []));
}
