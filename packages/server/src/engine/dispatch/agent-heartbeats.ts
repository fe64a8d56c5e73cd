/**
 * When each agent was last heard from, and so its state. Kept in memory for every request; written to the
 * database at most every few seconds per agent (a restarted server starts from the written time).
 */
import { agentState } from "@fawkes/core";
import type { AgentState } from "@fawkes/protocol";
import { updateAgent } from "../../store/agents-repo.ts";
import type { AgentRecord } from "../../store/records.ts";
import type { EngineContext } from "../context.ts";

const HEARTBEAT_WRITE_EVERY_MS = 5_000;

export class AgentHeartbeats {
  readonly #ctx: EngineContext;
  readonly #lastSeen = new Map<string, number>();
  readonly #lastWritten = new Map<string, number>();

  constructor(ctx: EngineContext) {
    this.#ctx = ctx;
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
    return agentState(agent, this.lastSeen(agent), this.#ctx.now(), this.#ctx.options.agentLostAfterMs);
  }
}
