/**
 * Words and symbols for every state the UI shows: status is never told by colour alone. The CSS class of a
 * state is `state-<key>`.
 */
import type { AgentDto, JobRunDto, PipelineRunDto } from "@fawkes/protocol";

/** What a stage bar or a badge can show. */
export type DisplayState =
  | "building"
  | "passed"
  | "failed"
  | "cancelled"
  | "awaiting"
  | "not-run"
  | "scheduled"
  | "paused"
  | "archived";

export const stateText: Record<DisplayState, string> = {
  building: "Building",
  passed: "Passed",
  failed: "Failed",
  cancelled: "Cancelled",
  awaiting: "Awaiting approval",
  "not-run": "Not run",
  scheduled: "Waiting",
  paused: "Paused",
  archived: "No longer configured",
};

/** A symbol shown beside the text (hidden from screen readers, which read the text). */
export const stateSymbol: Record<DisplayState, string> = {
  building: "◐",
  passed: "✓",
  failed: "✗",
  cancelled: "⊘",
  awaiting: "‖",
  "not-run": "·",
  scheduled: "…",
  paused: "‖",
  archived: "–",
};

export function runState(result: PipelineRunDto["result"]): DisplayState {
  return result;
}

/** A job shows its result once completed, else scheduled (waiting for an agent) or building. */
export function jobState(job: Pick<JobRunDto, "state" | "result">): DisplayState {
  if (job.state === "completed") return job.result === "unknown" ? "failed" : job.result;
  return job.state === "scheduled" ? "scheduled" : "building";
}

export const agentStateText: Record<AgentDto["state"], string> = {
  pending: "Pending",
  idle: "Idle",
  building: "Building",
  lost: "Lost",
  disabled: "Disabled",
};

export const triggerText: Record<PipelineRunDto["trigger"]["kind"], string> = {
  material: "Material change",
  manual: "Manual",
  upstream: "Upstream",
  timer: "Timer",
};

/** `Manual by admin`, `Material change`, `Upstream (build/12)`. */
export function describeTrigger(trigger: PipelineRunDto["trigger"]): string {
  const kind = triggerText[trigger.kind];
  if (trigger.user === "" || trigger.user === "changes") return kind;
  if (trigger.kind === "manual") return `${kind} by ${trigger.user}`;
  return `${kind} (${trigger.user})`;
}
