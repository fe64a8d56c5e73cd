import { runMachine, runStateOf, transition } from "@fawkes/core";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { writeRunState } from "../engine/run-lifecycle.ts";
import { jobRunsOfStages, stageRunsOfRun, updateJobRun } from "../store/stages-repo.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";
import { requireRun } from "./pipeline-status.ts";

/**
 * Cancels unfinished stages of a run (or one stage): scheduled jobs end at once; running jobs are told to
 * stop (the agent kills the process tree, runs on_cancel, and reports cancelled).
 */
export async function cancelRun(
  engine: Engine,
  pipeline: string,
  counter: number,
  stageName: string | null,
  by: AuditOrigin,
): Promise<void> {
  const { dispatcher } = engine;
  await engine.ctx.step(async (ctx) => {
    const audit = (stages: string[]) =>
      recordAudit(ctx.db, {
        ...by,
        ...(stageName === null
          ? { action: "run.cancel", target: auditTarget.run(pipeline, counter) }
          : { action: "stage.cancel", target: auditTarget.stage(pipeline, counter, stageName) }),
        details: { stages },
        at: ctx.now(),
      });
    const run = await requireRun(ctx, pipeline, counter);
    const stages = (await stageRunsOfRun(ctx.db, run.id)).filter(
      (s) => s.result === "building" && (stageName === null || s.name === stageName),
    );
    if (stageName !== null && !run.config.stages.some((s) => s.name === stageName)) {
      throw new FawkesError(ErrorCode.stageNotFound, `pipeline ${pipeline} has no stage ${stageName}`);
    }
    if (stages.length === 0) {
      if (run.awaitingStage !== null && stageName === null) {
        await writeRunState(ctx, run, transition(runMachine, runStateOf(run), "cancel"), null);
        await audit([]);
        ctx.events.publish({ type: "run", pipeline, counter });
        return;
      }
      throw new FawkesError(
        ErrorCode.runAlreadyFinished,
        `nothing to cancel: ${pipeline}/${counter}${stageName ? `/${stageName}` : ""} is not running`,
      );
    }
    for (const job of await jobRunsOfStages(
      ctx.db,
      stages.map((s) => s.id),
    )) {
      if (job.state === "completed") continue;
      if (job.state === "scheduled") {
        await dispatcher.completeJob(ctx, job, "cancelled");
      } else {
        await updateJobRun(ctx.db, job.id, { cancelRequested: true });
        ctx.afterCommit(() => dispatcher.wakeCancelWaiters(job.id));
      }
    }
    await audit(stages.map((s) => `${s.name}/${s.counter}`));
    ctx.log.info({ pipeline, counter, stage: stageName }, "cancel requested");
    ctx.events.publish({ type: "run", pipeline, counter });
  });
}
