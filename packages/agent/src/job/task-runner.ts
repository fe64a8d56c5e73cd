import type { ExecTask, FetchTask, Task } from "@fawkes/protocol";
import { runExecTask } from "./exec-task.ts";
import { runExternalFetch } from "./external-fetch.ts";
import { runFetchTask } from "./fetch-task.ts";
import type { TaskContext, TaskOutcome } from "./task-context.ts";

/**
 * A task on one console line. A multi-line argument (a `script:` task's script) shows as its first line and its
 * length, `set -e … (12 lines)`: the whole script is in the pipeline's file, and spread over the console it
 * read like output and left ` (run_if passed)` dangling on a line of its own.
 */
function describe(task: Task): string {
  if (task.kind === "exec") return [task.command, ...task.arguments].map(oneLine).join(" ");
  return `fetch ${task.source} from ${task.from.pipeline}/${task.from.counter}/${task.from.stage}/${task.from.stageCounter}/${task.from.job}`;
}

function oneLine(text: string): string {
  const lines = text.replace(/\n+$/, "").split("\n");
  if (lines.length === 1) return lines[0]!;
  const first = lines.find((line) => line.trim() !== "")?.trim() ?? "";
  return `${first} … (${lines.length} lines)`;
}

function runTask(
  task: ExecTask | FetchTask,
  ctx: TaskContext,
  killSignal: AbortSignal,
): Promise<TaskOutcome> {
  if (task.kind === "exec") return runExecTask(task, ctx, killSignal);
  return task.external ? runExternalFetch(task, ctx, killSignal) : runFetchTask(task, ctx, killSignal);
}

/** Whether a task runs, GoCD's run_if: passed = nothing failed so far, failed = something failed, any = always. */
function shouldRun(task: Task, failedSoFar: boolean): boolean {
  return (
    task.runIf.includes("any") ||
    (failedSoFar ? task.runIf.includes("failed") : task.runIf.includes("passed"))
  );
}

/** The outcome of the job's tasks: passed, failed, cancelled, or aborted (fenced / agent stopping). */
export type TasksOutcome = "passed" | "failed" | "cancelled" | "aborted";

/**
 * Runs the tasks in sequence with run_if. On cancel (or no-output timeout) the running task's group is
 * killed, its on_cancel task runs, and no further task starts.
 */
/** Renews the task environment's role credentials; a failure leaves the previous ones (the task says so). */
async function beforeTask(ctx: TaskContext): Promise<void> {
  try {
    await ctx.beforeTask?.();
  } catch (error) {
    ctx.console.line(`Could not renew the job's cloud credentials: ${(error as Error).message}`);
  }
}

export async function runTasks(tasks: Task[], ctx: TaskContext): Promise<TasksOutcome> {
  const killSignal = AbortSignal.any([ctx.cancelSignal, ctx.abortSignal]);
  let failed = false;
  for (const task of tasks) {
    if (ctx.abortSignal.aborted) return "aborted";
    if (ctx.cancelSignal.aborted) return "cancelled";
    if (!shouldRun(task, failed)) {
      ctx.console.line(`Skipping task: ${describe(task)} (run_if ${task.runIf.join(",")})`);
      continue;
    }
    ctx.console.line(`Task: ${describe(task)} (run_if ${task.runIf.join(",")})`);
    await beforeTask(ctx);
    const outcome = await runTask(task, ctx, killSignal);
    if (outcome === "aborted") return "aborted";
    if (outcome === "cancelled" || outcome === "timedOut") {
      if (task.onCancel) {
        ctx.console.line(`On cancel task: ${describe(task.onCancel)}`);
        await beforeTask(ctx);
        const onCancelOutcome = await runTask(task.onCancel, ctx, ctx.abortSignal);
        if (onCancelOutcome === "aborted") return "aborted";
      }
      return outcome === "cancelled" ? "cancelled" : "failed";
    }
    if (outcome === "failed") failed = true;
  }
  return failed ? "failed" : "passed";
}
