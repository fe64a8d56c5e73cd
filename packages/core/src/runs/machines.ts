/**
 * The four state machines of the engine, one table each. Diagrams of them are in docs/states.md (a test checks
 * that the diagrams and these tables have the same edges).
 */
import type { AgentState, JobState, RunResult, StageState } from "@fawkes/protocol";
import type { StateMachine } from "./state-machine.ts";

/**
 * A job run (job_runs.state). The agent reports preparing, building and completing; `complete` records a
 * result (from the agent, a cancel, or a failure to dispatch); `reschedule` puts a job whose agent no longer
 * runs it back in the queue under a new lease. `completed` is terminal.
 */
export const jobMachine = {
  name: "job",
  initial: ["scheduled"],
  transitions: {
    scheduled: { assign: "assigned", complete: "completed" },
    assigned: {
      startPreparing: "preparing",
      startBuilding: "building",
      startCompleting: "completing",
      complete: "completed",
      reschedule: "scheduled",
    },
    preparing: {
      startBuilding: "building",
      startCompleting: "completing",
      complete: "completed",
      reschedule: "scheduled",
    },
    building: { startCompleting: "completing", complete: "completed", reschedule: "scheduled" },
    completing: { complete: "completed", reschedule: "scheduled" },
    completed: {},
  },
} as const satisfies StateMachine & { transitions: Record<JobState, object> };

/** A stage run (stage_runs.result): decided once, when its last job completes. A rerun is a new stage run. */
export const stageMachine = {
  name: "stage",
  initial: ["building"],
  transitions: {
    building: { pass: "passed", fail: "failed", cancel: "cancelled" },
    passed: {},
    failed: {},
    cancelled: {},
  },
} as const satisfies StateMachine & { transitions: Record<StageState, object> };

/**
 * A pipeline run: its result, and `awaitingApproval` while it stops at a manual gate (pipeline_runs.result is
 * still building then, and awaiting_stage names the gate; see `runStateOf`). `advance` schedules the next stage
 * (or the first); a finished run goes back to building when one of its stages is rerun.
 */
export const runMachine = {
  name: "run",
  initial: ["building"],
  transitions: {
    building: {
      advance: "building",
      awaitApproval: "awaitingApproval",
      pass: "passed",
      fail: "failed",
      cancel: "cancelled",
    },
    awaitingApproval: { approve: "building", rerun: "building", cancel: "cancelled" },
    passed: { rerun: "building" },
    failed: { rerun: "building" },
    cancelled: { rerun: "building" },
  },
} as const satisfies StateMachine;

/**
 * An agent's configured state (agents.config_state), set by an administrator (or by auto-registration, which
 * creates agents enabled and enables pending ones). What users see is derived from it (agent-state.ts):
 * pending and disabled as they are; an enabled agent is idle, building or lost.
 */
export const agentMachine = {
  name: "agent",
  initial: ["pending", "enabled"],
  transitions: {
    // revokeToken: an administrator revoked the agent's token; it registers again and waits to be enabled.
    pending: { enable: "enabled", disable: "disabled", revokeToken: "pending" },
    enabled: { disable: "disabled", revokeToken: "pending" },
    disabled: { enable: "enabled", revokeToken: "pending" },
  },
} as const satisfies StateMachine & {
  transitions: Record<Extract<AgentState, "pending" | "disabled">, object>;
};

export type RunState = keyof (typeof runMachine)["transitions"];
export type AgentConfigState = keyof (typeof agentMachine)["transitions"];

/** A run record's state in `runMachine`. */
export function runStateOf(run: { result: RunResult; awaitingStage: string | null }): RunState {
  return run.awaitingStage !== null ? "awaitingApproval" : run.result;
}

/** The stage (and run) event that records a decided result. */
export const decisionEvent = { passed: "pass", failed: "fail", cancelled: "cancel" } as const;

/** The job event for a state an agent reports. */
export const reportEvent = {
  preparing: "startPreparing",
  building: "startBuilding",
  completing: "startCompleting",
} as const;
