/**
 * What the store hands to services: rows decoded (booleans, JSON) into plain records.
 * Db* row types never leave server/src/store.
 */
import type { PipelineConfig } from "@fawkes/core";
import type { JobResult, JobState, RunResult, TriggerKind } from "@fawkes/protocol";

export interface PipelineRecord {
  name: string;
  paused: boolean;
  pauseReason: string | null;
  pausedBy: string | null;
  lockedByCounter: number | null;
  lastCounter: number;
}

export interface RunRecord {
  id: number;
  pipeline: string;
  counter: number;
  label: string;
  trigger: { kind: TriggerKind; user: string };
  result: RunResult;
  config: PipelineConfig;
  variables: Record<string, string>;
  awaitingStage: string | null;
  createdAt: number;
  completedAt: number | null;
}

export interface RunMaterialRecord {
  material: string;
  type: "git" | "dependency";
  fingerprint: string;
  revision: string;
  fromRevision: string;
  description: string;
  changed: boolean;
  upstreamRunId: number | null;
}

export interface StageRunRecord {
  id: number;
  runId: number;
  pipeline: string;
  pipelineCounter: number;
  name: string;
  stageIndex: number;
  counter: number;
  result: RunResult;
  approvalType: "success" | "manual";
  approvedBy: string | null;
  rerunOfCounter: number | null;
  scheduledAt: number;
  completedAt: number | null;
}

export interface JobRunRecord {
  id: number;
  stageRunId: number;
  runId: number;
  name: string;
  state: JobState;
  result: JobResult;
  resources: string[];
  agentId: string | null;
  leaseId: string | null;
  attempts: number;
  cancelRequested: boolean;
  waitingReason: string | null;
  scheduledAt: number;
  assignedAt: number | null;
  completedAt: number | null;
}

export interface AgentRecord {
  id: string;
  name: string;
  hostname: string;
  tokenHash: string;
  configState: "pending" | "enabled" | "disabled";
  resources: string[];
  environments: string[];
  registeredAt: number;
  lastHeartbeatAt: number | null;
  currentJobRunId: number | null;
  /** The role (name or ARN) its jobs assume when they name none; null: none. */
  role: string | null;
  /**
   * A rotation's grace (services/agent-tokens.ts): the hash of the token rotated away from, and until when it
   * is still accepted (epoch ms), unless the new one is used first. Absent or null: none.
   */
  previousTokenHash?: string | null;
  previousTokenUntil?: number | null;
}

export interface MaterialRecord {
  fingerprint: string;
  type: string;
  url: string;
  branch: string;
  lastRevision: string | null;
  lastCheckedAt: number | null;
  lastError: string | null;
}
