import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import type { ExecTask } from "@fawkes/protocol";
import { resolveInside } from "./paths.ts";
import { killProcessGroup } from "./process-group.ts";
import { resolveExecutable } from "./task-sandbox.ts";
import type { TaskContext, TaskOutcome } from "./task-context.ts";

/**
 * Runs an exec task: no shell, its own process group (`detached`), inside the job's sandbox (so it dies with
 * the agent), stdout and stderr straight into the job's console spool. Cancel and the no-output timeout kill the whole group. A background process the task leaves
 * behind (a database for the next task, say) runs, and writes to the console, until the job ends.
 */
export async function runExecTask(
  task: ExecTask,
  ctx: TaskContext,
  killSignal: AbortSignal,
): Promise<TaskOutcome> {
  let cwd: string;
  try {
    cwd = resolveInside(ctx.workspace, task.workingDirectory, "working directory");
    if (!(await stat(cwd)).isDirectory())
      throw new Error(`working directory '${task.workingDirectory}' is not a directory`);
  } catch (error) {
    ctx.console.line(`Task failed: ${(error as Error).message}`);
    return "failed";
  }
  if (killSignal.aborted) return ctx.abortSignal.aborted ? "aborted" : "cancelled";
  const executable = resolveExecutable(task.command, ctx.env, cwd);
  if (executable === undefined) {
    ctx.console.line(`Could not start '${task.command}': no such executable file`);
    return "failed";
  }
  const wrapped = await ctx.sandbox.wrap(executable, task.arguments, cwd);
  if (killSignal.aborted) return ctx.abortSignal.aborted ? "aborted" : "cancelled";

  const output = ctx.console.outputFd;
  const child = spawn(wrapped.command, wrapped.args, {
    cwd,
    env: ctx.env,
    detached: true,
    stdio: ["ignore", output, output],
  });
  if (child.pid !== undefined) {
    ctx.processGroups.push(child.pid);
    ctx.sandbox.recordTask(child.pid);
  }
  let killedFor: "cancel" | "timeout" | "abort" | undefined;
  let killing: Promise<void> = Promise.resolve();

  const kill = (reason: "cancel" | "timeout" | "abort"): void => {
    if (killedFor !== undefined || child.pid === undefined) return;
    killedFor = reason;
    killing = killProcessGroup(child.pid);
  };
  const onKillSignal = (): void => kill(ctx.abortSignal.aborted ? "abort" : "cancel");
  killSignal.addEventListener("abort", onKillSignal, { once: true });

  let timer: NodeJS.Timeout | undefined;
  const startedAt = Date.now();
  const timeoutMs = ctx.job.noOutputTimeoutMs;
  if (timeoutMs !== null) {
    const check = (): void => {
      const idle = Date.now() - Math.max(startedAt, ctx.console.lastOutputAt);
      if (idle < timeoutMs) {
        timer = setTimeout(check, timeoutMs - idle);
        return;
      }
      ctx.console.line(`No console output for ${timeoutMs / 1000} s: killing the task`);
      kill("timeout");
    };
    timer = setTimeout(check, timeoutMs);
  }

  const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null } | Error>(
    (resolve) => {
      child.once("error", (error) => {
        if (child.pid === undefined) resolve(error);
      });
      child.once("exit", (code, signal) => resolve({ code, signal }));
    },
  );
  clearTimeout(timer);
  killSignal.removeEventListener("abort", onKillSignal);
  await killing;

  if (ended instanceof Error) {
    ctx.console.line(`Could not start '${task.command}': ${ended.message}`);
    return "failed";
  }
  if (killedFor === "abort") return "aborted";
  if (killedFor === "cancel") {
    ctx.console.line("Task cancelled: process group killed");
    return "cancelled";
  }
  if (killedFor === "timeout") return "timedOut";
  const how = ended.signal ? `killed by signal ${ended.signal}` : `exited with code ${ended.code}`;
  ctx.console.line(`Task ${how}`);
  return ended.code === 0 ? "passed" : "failed";
}
