import { spawn } from "node:child_process";
import { stat } from "node:fs/promises";
import type { ExecTask } from "@fawkes/protocol";
import { resolveInside } from "./paths.ts";
import { killProcessGroup } from "./process-group.ts";
import type { TaskContext, TaskOutcome } from "./task-context.ts";

/** After the main process exits, how long its pipes may stay open (held by a background child). */
const pipeLingerMs = 1_000;

/**
 * Runs an exec task: no shell, its own process group (`detached`), stdout and stderr into the console.
 * Cancel and the no-output timeout kill the whole group.
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

  const child = spawn(task.command, task.arguments, {
    cwd,
    env: ctx.env,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const { stdout, stderr } = child;
  let lastOutputAt = Date.now();
  let paused = false;
  let killedFor: "cancel" | "timeout" | "abort" | undefined;
  let killing: Promise<void> = Promise.resolve();

  const resume = (): void => {
    paused = false;
    stdout.resume();
    stderr.resume();
  };
  const onData = (chunk: Buffer): void => {
    lastOutputAt = Date.now();
    ctx.console.write(chunk);
    if (!paused && ctx.console.overloaded) {
      paused = true;
      stdout.pause();
      stderr.pause();
      ctx.console.onDrain(resume);
    }
  };
  stdout.on("data", onData);
  stderr.on("data", onData);

  const kill = (reason: "cancel" | "timeout" | "abort"): void => {
    if (killedFor !== undefined || child.pid === undefined) return;
    killedFor = reason;
    killing = killProcessGroup(child.pid);
  };
  const onKillSignal = (): void => kill(ctx.abortSignal.aborted ? "abort" : "cancel");
  killSignal.addEventListener("abort", onKillSignal, { once: true });

  let timer: NodeJS.Timeout | undefined;
  const timeoutMs = ctx.job.noOutputTimeoutMs;
  if (timeoutMs !== null) {
    const check = (): void => {
      const idle = Date.now() - lastOutputAt;
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
      let linger: NodeJS.Timeout | undefined;
      child.once("error", (error) => {
        if (child.pid === undefined) resolve(error);
      });
      child.once("exit", () => {
        const closeLingeringPipes = (): void => {
          if (paused) linger = setTimeout(closeLingeringPipes, pipeLingerMs);
          else {
            stdout.destroy();
            stderr.destroy();
          }
        };
        linger = setTimeout(closeLingeringPipes, pipeLingerMs);
      });
      child.once("close", (code, signal) => {
        clearTimeout(linger);
        resolve({ code, signal });
      });
    },
  );
  clearTimeout(timer);
  killSignal.removeEventListener("abort", onKillSignal);
  await killing;
  ctx.console.flushTask();

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
