import type { JobAssignment } from "@fawkes/protocol";
import type { ServerClient } from "../server-client.ts";
import type { ConsoleStream } from "./console-stream.ts";
import type { TaskSandbox } from "./task-sandbox.ts";

/** How one task ended. `aborted`: the agent stopped or the lease was lost (nothing more is reported). */
export type TaskOutcome = "passed" | "failed" | "cancelled" | "timedOut" | "aborted";

/** Everything a task executor needs; built once per job. */
export interface TaskContext {
  job: JobAssignment;
  workspace: string;
  env: Record<string, string>;
  console: ConsoleStream;
  client: ServerClient;
  /** Aborts when the server cancels the job (the task is killed, then its on_cancel runs). */
  cancelSignal: AbortSignal;
  /** Aborts when the lease is lost or the agent stops (killed, nothing more reported). */
  abortSignal: AbortSignal;
  /** Process groups of the job's exec tasks: whatever is still running in them is stopped when the job ends. */
  processGroups: number[];
  /** Starts the job's tasks so that they die with the agent. */
  sandbox: TaskSandbox;
  /** Run before each task (and on_cancel task): renews what `env` carries of the job's role credentials. */
  beforeTask?: (() => Promise<void>) | undefined;
}
