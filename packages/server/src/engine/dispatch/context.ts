/** What the dispatch steps share: built once by the Dispatcher and passed to each step explicitly. */
import type { JobAssignment } from "@fawkes/protocol";
import type { AgentRecord, JobRunRecord, RunRecord } from "../../store/records.ts";
import type { EngineContext } from "../context.ts";
import type { PrefetchHints } from "../prefetch-hints.ts";
import type { LifecycleHooks } from "../run-lifecycle.ts";
import type { AgentHeartbeats } from "./agent-heartbeats.ts";
import type { CancelPolls } from "./cancel-polls.ts";
import type { WorkPolls } from "./work-polls.ts";

/** What dispatch needs from other engine modules (wired in the engine; avoids import cycles). */
export interface DispatcherDeps {
  /** Never inside a step: it may write the job's access key. */
  /** `run`: the job's run as the dispatch pass read it (what an assignment reads of it never changes). */
  buildAssignment(
    ctx: EngineContext,
    job: JobRunRecord,
    agent: AgentRecord,
    run?: RunRecord,
  ): Promise<JobAssignment>;
  /** Adds a `[fawkes]` line to a job's console log (agent lost, rescheduled, …); never inside a step. */
  consoleNote(job: JobRunRecord, text: string): Promise<void>;
}

/**
 * Why a dispatch pass is queued. `jobs-scheduled` must be given by every path that makes a job scheduled (a new
 * stage, a rescheduled job): only a poll's kick (`poll`) may be skipped, while the queue is known to be empty.
 */
export type KickReason =
  "jobs-scheduled" | "agent-freed" | "agents-changed" | "config-changed" | "start" | "poll";

export interface DispatchContext {
  ctx: EngineContext;
  hooks: LifecycleHooks;
  deps: DispatcherDeps;
  workPolls: WorkPolls;
  cancelPolls: CancelPolls;
  heartbeats: AgentHeartbeats;
  hints: PrefetchHints;
  /** Queues a dispatch pass. */
  kick(reason: KickReason): void;
}
