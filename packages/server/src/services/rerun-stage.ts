import { ErrorCode, FawkesError, type JobResult } from "@fawkes/protocol";
import { requireConfigured } from "../engine/configured-pipeline.ts";
import type { Engine } from "../engine/engine.ts";
import { scheduleStage } from "../engine/run-lifecycle.ts";
import type { StageRunRecord } from "../store/records.ts";
import { findPipeline } from "../store/runs-repo.ts";
import { jobRunsOfStages, stageRunsOfRun } from "../store/stages-repo.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";
import { requireRun } from "./pipeline-status.ts";

/** Reruns a finished stage: new stage counter, same pipeline counter; GO_RERUN_OF_STAGE_COUNTER is set. */
export async function rerunStage(
  engine: Engine,
  pipeline: string,
  counter: number,
  stageName: string,
  jobs: string[],
  by: AuditOrigin,
): Promise<StageRunRecord> {
  return engine.ctx.step(async (ctx) => {
    const run = await requireRun(ctx, pipeline, counter);
    // A run's config is its own snapshot, but an archived pipeline is not operated (FAWKES_PIPELINE_ARCHIVED).
    await requireConfigured(ctx, pipeline);
    const index = run.config.stages.findIndex((s) => s.name === stageName);
    if (index < 0)
      throw new FawkesError(ErrorCode.stageNotFound, `pipeline ${pipeline} has no stage ${stageName}`);
    const stages = await stageRunsOfRun(ctx.db, run.id);
    if (stages.some((s) => s.result === "building")) {
      throw new FawkesError(
        ErrorCode.stageStillRunning,
        `${pipeline}/${counter} still has a stage running: wait for it or cancel it`,
      );
    }
    const previous = stages.filter((s) => s.name === stageName).at(-1);
    if (!previous)
      throw new FawkesError(
        ErrorCode.stageNotFound,
        `stage ${stageName} has not run in ${pipeline}/${counter} yet`,
      );
    const state = await findPipeline(ctx.db, pipeline);
    if (state?.lockedByCounter != null && state.lockedByCounter !== counter) {
      throw new FawkesError(
        ErrorCode.pipelineLocked,
        `pipeline ${pipeline} is locked by run ${state.lockedByCounter}`,
      );
    }
    let onlyJobs: { rerun: Set<string>; previous: Map<string, JobResult> } | undefined;
    if (jobs.length > 0) {
      const previousJobs = await jobRunsOfStages(ctx.db, [previous.id]);
      for (const job of jobs) {
        if (!previousJobs.some((j) => j.name === job))
          throw new FawkesError(ErrorCode.jobNotFound, `stage ${stageName} has no job ${job}`);
      }
      onlyJobs = { rerun: new Set(jobs), previous: new Map(previousJobs.map((j) => [j.name, j.result])) };
    }
    const stageRun = await scheduleStage(ctx, engine.hooks, run, index, {
      runEvent: "rerun",
      approvedBy: by.actor.name,
      rerunOfCounter: previous.counter,
      ...(onlyJobs && { onlyJobs }),
    });
    await recordAudit(ctx.db, {
      ...by,
      action: "stage.rerun",
      target: auditTarget.stage(pipeline, counter, stageName),
      details: { stageCounter: stageRun.counter, rerunOf: previous.counter, jobs },
      at: ctx.now(),
    });
    return stageRun;
  });
}
