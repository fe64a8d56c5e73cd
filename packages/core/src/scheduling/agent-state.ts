/** An agent's state as users see it, derived from its configured state, its job and when it was last heard. */
import type { AgentState } from "@fawkes/protocol";

export interface AgentStateInput {
  configState: "pending" | "enabled" | "disabled";
  /** The job run it holds, if any. */
  currentJobRunId: number | null;
}

/**
 * pending and disabled come from the configured state; an enabled agent not heard from within `lostAfterMs`
 * (or never) is lost; otherwise it is building while it holds a job, idle when not.
 */
export function agentState(
  agent: AgentStateInput,
  lastSeen: number | null,
  now: number,
  lostAfterMs: number,
): AgentState {
  if (agent.configState === "pending") return "pending";
  if (agent.configState === "disabled") return "disabled";
  if (lastSeen === null || now - lastSeen > lostAfterMs) return "lost";
  return agent.currentJobRunId === null ? "idle" : "building";
}
