/**
 * When each agent was last heard from, and so its state. Every request reads and updates the time in memory;
 * the database gets it in batches: agents whose stored time is {@link PERSIST_EVERY_MS} old are written together,
 * in one statement every {@link FLUSH_EVERY_MS} with the flush's time (not one write per request: 1,000
 * long-polling agents make ~40 requests a second).
 *
 * The stored time decides nothing: a restarted server counts its own start as hearing from every agent
 * ({@link AgentHeartbeats.aliveAsOf}), so an agent is never judged lost for the server's downtime. It only serves
 * as "last seen" for agents not heard from since the start (the API, `fawkes agents`), hence written rarely.
 */
import { agentState } from "@fawkes/core";
import type { AgentState } from "@fawkes/protocol";
import { recordHeartbeats } from "../../store/agents-repo.ts";
import type { AgentRecord } from "../../store/records.ts";
import type { EngineContext } from "../context.ts";

/** How often agents due a write are written (one transaction for all of them). */
export const FLUSH_EVERY_MS = 1_000;
/** How old an agent's stored time may grow before it is refreshed. */
export const PERSIST_EVERY_MS = 30_000;

export class AgentHeartbeats {
  readonly #ctx: EngineContext;
  /** The server's start, on the engine clock: every agent counts as heard from then. */
  readonly #startedAt: number;
  readonly #lastSeen = new Map<string, number>();
  /** The time the database holds for each agent written since the start. */
  readonly #stored = new Map<string, number>();
  /** Agents whose stored time is due a refresh at the next flush. */
  readonly #due = new Set<string>();
  #flushing: Promise<void> = Promise.resolve();
  #stopTimer: (() => void) | undefined;

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
    this.#startedAt = ctx.now();
  }

  /** Starts the periodic flush (outside lifecycle steps: a heartbeat changes no run, job or agent state). */
  start(): void {
    this.#stopTimer = this.#ctx.clock.every(FLUSH_EVERY_MS, () => void this.flush());
  }

  /** Stops the periodic flush and writes what is still due. */
  async stop(): Promise<void> {
    this.#stopTimer?.();
    this.#stopTimer = undefined;
    await this.flush();
  }

  /** Records that the agent was heard from (in memory; stored at a later flush when its stored time is old). */
  touch(agent: AgentRecord): void {
    const now = this.#ctx.now();
    this.#lastSeen.set(agent.id, now);
    const stored = this.#stored.get(agent.id) ?? agent.lastHeartbeatAt;
    if (stored === null || now - stored >= PERSIST_EVERY_MS) this.#due.add(agent.id);
  }

  /**
   * Writes the flush's time for every agent due, in one transaction; never rejects. A failed write is logged and the
   * agents stay due (the next flush retries them); the in-memory times keep them alive meanwhile. Flushes run
   * one at a time.
   */
  flush(): Promise<void> {
    this.#flushing = this.#flushing.then(() => this.#write());
    return this.#flushing;
  }

  async #write(): Promise<void> {
    if (this.#due.size === 0) return;
    const batch = [...this.#due];
    this.#due.clear();
    // Each agent due was heard from since the last flush (or a failed one): close enough for a display time.
    const at = this.#ctx.now();
    try {
      await this.#ctx.db.transaction().execute((trx) => recordHeartbeats(trx, batch, at));
      for (const id of batch) this.#stored.set(id, at);
    } catch (error) {
      for (const id of batch) this.#due.add(id);
      this.#ctx.log.error({ err: error, agents: batch.length }, "recording agents' heartbeats failed");
    }
  }

  /** When the agent was last heard from (memory first; the stored time for one not heard from since the start). */
  lastSeen(agent: AgentRecord): number | null {
    return this.#lastSeen.get(agent.id) ?? agent.lastHeartbeatAt;
  }

  /**
   * The time the agent counts as alive from: its last heartbeat, or the server's start if later. An agent that
   * is really gone is lost `agentLostAfterMs` after the start, not at once for the time the server was down.
   */
  aliveAsOf(agent: AgentRecord): number {
    return Math.max(this.lastSeen(agent) ?? this.#startedAt, this.#startedAt);
  }

  stateOf(agent: AgentRecord): AgentState {
    return agentState(agent, this.aliveAsOf(agent), this.#ctx.now(), this.#ctx.options.agentLostAfterMs);
  }
}
