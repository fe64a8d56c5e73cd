/** Why a scheduled job still waits for an agent, in words a user can act on. */
import { agentFits, type EnvironmentMembers, type JobNeeds, type SchedulingAgent } from "./agent-fits.ts";
import { agentState, type AgentStateInput } from "./agent-state.ts";

/** An agent as the waiting reason sees it: matching inputs, state inputs, and when it was last heard. */
export interface WaitingAgent extends SchedulingAgent, AgentStateInput {
  lastSeen: number | null;
}

export interface WaitingJob extends JobNeeds {
  /** A reason recorded when the job was queued again (`rescheduled: agent … was lost`), shown after ours. */
  waitingReason: string | null;
}

export interface WaitingReasonInput {
  job: WaitingJob;
  /** The run's environment (null: outside every environment). */
  environment: string | null;
  environments: readonly EnvironmentMembers[];
  /** Every registered agent, whatever its state. */
  agents: readonly WaitingAgent[];
  now: number;
  lostAfterMs: number;
}

/**
 * No enabled agent fits (with a hint when agents are pending), every fitting agent is lost, or the fitting
 * agents are all busy. Computed when asked, so it is never stale.
 */
export function waitingReason(input: WaitingReasonInput): string {
  const why = whyWaiting(input);
  return input.job.waitingReason ? `${why}; ${input.job.waitingReason}` : why;
}

function whyWaiting(input: WaitingReasonInput): string {
  const { job, environment, environments, agents, now, lostAfterMs } = input;
  const eligible = agents.filter(
    (agent) => agent.configState === "enabled" && agentFits(agent, job, environment, environments),
  );
  const needs = job.resources.length > 0 ? ` with resources ${job.resources.join(", ")}` : "";
  const inEnv = environment ? ` in environment ${environment}` : "";
  if (eligible.length === 0) {
    const pending = agents.filter((a) => a.configState === "pending").length;
    const hint =
      pending > 0
        ? ` (${pending} agent${pending > 1 ? "s" : ""} pending: enable with \`fawkes agents enable NAME\`)`
        : "";
    return `no enabled agent${needs}${inEnv}${hint}`;
  }
  const alive = eligible.filter((a) => agentState(a, a.lastSeen, now, lostAfterMs) !== "lost");
  if (alive.length === 0) return `every agent${needs}${inEnv} is lost (no heartbeat)`;
  return `waiting for an idle agent${needs}${inEnv} (${alive.length} busy)`;
}
