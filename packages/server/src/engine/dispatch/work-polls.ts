/**
 * The agents' long polls for work (POST /agent/v1/work), held open until a job, a prefetch hint, the end of
 * `waitMs` or the client going away answers them. At most one poll per agent: a new one ends the old.
 */
import type { WorkResponse } from "@fawkes/protocol";
import type { AgentRecord } from "../../store/records.ts";
import type { Clock } from "../clock.ts";

/** The share of `waitMs` a poll's hold may be shortened by (see {@link WorkPolls.hold}). */
export const HOLD_JITTER = 0.1;

export interface WorkPoll {
  /** The agent as it was when its poll began (enabling or disabling it ends the poll). */
  agent: AgentRecord;
  answer(response: WorkResponse): void;
}

export class WorkPolls {
  readonly #polls = new Map<string, WorkPoll>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /**
   * Holds the agent's poll; resolves with `job: null` when its hold time passes or `signal` aborts. The hold time
   * is `waitMs` less up to {@link HOLD_JITTER} of it, at random: agents that polled together (all of them, after
   * the server restarts) drift apart instead of coming back in one wave every `waitMs`, which would hold up every
   * other request while a thousand polls are answered and renewed at once.
   */
  hold(agent: AgentRecord, waitMs: number, signal: AbortSignal): Promise<WorkResponse> {
    this.#polls.get(agent.id)?.answer({ job: null });
    return new Promise<WorkResponse>((resolve) => {
      const answer = (response: WorkResponse): void => {
        cancelTimer();
        signal.removeEventListener("abort", onAbort);
        if (this.#polls.get(agent.id) === poll) this.#polls.delete(agent.id);
        resolve(response);
      };
      const onAbort = (): void => answer({ job: null });
      const poll: WorkPoll = { agent, answer };
      this.#polls.set(agent.id, poll);
      const holdMs = Math.round(waitMs * (1 - HOLD_JITTER * Math.random()));
      const cancelTimer = this.#clock.after(holdMs, () => answer({ job: null }));
      signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  isWaiting(agentId: string): boolean {
    return this.#polls.has(agentId);
  }

  /** How many polls are held now. */
  get size(): number {
    return this.#polls.size;
  }

  /** Every poll held now. */
  all(): WorkPoll[] {
    return [...this.#polls.values()];
  }

  /**
   * Removes the agent's poll and returns it, for the caller to answer once its answer is ready: a poll the
   * agent starts meanwhile is a new one, not this one.
   */
  take(agentId: string): WorkPoll | undefined {
    const poll = this.#polls.get(agentId);
    this.#polls.delete(agentId);
    return poll;
  }

  /** Answers the agent's poll, if it holds one. */
  answer(agentId: string, response: WorkResponse): void {
    this.#polls.get(agentId)?.answer(response);
  }

  /** Ends every poll with no job (the server stops). */
  endAll(): void {
    for (const poll of this.all()) poll.answer({ job: null });
    this.#polls.clear();
  }
}
