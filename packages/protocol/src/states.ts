/**
 * Lifecycle and outcome unions shared by server, agent, CLI and web.
 * Lifecycle (JobState) and outcome (JobResult) are deliberately separate, as in GoCD.
 */

/** scheduled → assigned → preparing → building → completing → completed */
export const JobState = {
  scheduled: "scheduled",
  assigned: "assigned",
  preparing: "preparing",
  building: "building",
  completing: "completing",
  completed: "completed",
} as const;
export type JobState = (typeof JobState)[keyof typeof JobState];
export const jobStates = Object.values(JobState);

/** Outcome of a job; `unknown` until it completes. */
export const JobResult = {
  passed: "passed",
  failed: "failed",
  cancelled: "cancelled",
  unknown: "unknown",
} as const;
export type JobResult = (typeof JobResult)[keyof typeof JobResult];

/** Result of a stage run or pipeline run as reported to users. */
export const RunResult = {
  building: "building",
  passed: "passed",
  failed: "failed",
  cancelled: "cancelled",
} as const;
export type RunResult = (typeof RunResult)[keyof typeof RunResult];

/** A stage run that waits for `fawkes approve` is `awaiting_approval` (no StageRun row exists yet in GoCD). */
export const StageState = {
  building: "building",
  passed: "passed",
  failed: "failed",
  cancelled: "cancelled",
} as const;
export type StageState = (typeof StageState)[keyof typeof StageState];

/** pending (registered, not enabled) · idle · building · lost (no heartbeat) · disabled */
export const AgentState = {
  pending: "pending",
  idle: "idle",
  building: "building",
  lost: "lost",
  disabled: "disabled",
} as const;
export type AgentState = (typeof AgentState)[keyof typeof AgentState];

/** What started a pipeline run; GO_TRIGGER_USER is `changes` for material, the user for manual. */
export const TriggerKind = {
  material: "material",
  manual: "manual",
  upstream: "upstream",
  timer: "timer",
} as const;
export type TriggerKind = (typeof TriggerKind)[keyof typeof TriggerKind];

/** When a task runs, relative to the result of the tasks before it. */
export const RunIf = { passed: "passed", failed: "failed", any: "any" } as const;
export type RunIf = (typeof RunIf)[keyof typeof RunIf];
