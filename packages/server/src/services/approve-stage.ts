import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { requireConfigured } from "../engine/configured-pipeline.ts";
import type { Engine } from "../engine/engine.ts";
import { scheduleStage } from "../engine/run-lifecycle.ts";
import { stageRunsOfRun } from "../store/stages-repo.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";
import { requireRun } from "./pipeline-status.ts";

/** Approves the stage a run waits on (manual approval gate), or a manual stage not run yet. */
export async function approveStage(
  engine: Engine,
  pipeline: string,
  counter: number,
  stageName: string,
  by: AuditOrigin,
): Promise<void> {
  const user = by.actor.name;
  await engine.ctx.step(async (ctx) => {
    const run = await requireRun(ctx, pipeline, counter);
    // A run's config is its own snapshot, but an archived pipeline is not operated (FAWKES_PIPELINE_ARCHIVED).
    await requireConfigured(ctx, pipeline);
    const index = run.config.stages.findIndex((s) => s.name === stageName);
    if (index < 0)
      throw new FawkesError(ErrorCode.stageNotFound, `pipeline ${pipeline} has no stage ${stageName}`);
    if (run.awaitingStage !== stageName) {
      throw new FawkesError(
        ErrorCode.stageNotAwaitingApproval,
        `stage ${stageName} of ${pipeline}/${counter} is not waiting for approval`,
      );
    }
    const previous = (await stageRunsOfRun(ctx.db, run.id)).filter((s) => s.stageIndex === index - 1).at(-1);
    const stage = run.config.stages[index];
    if (stage?.approval.allowOnlyOnSuccess && previous && previous.result !== "passed") {
      throw new FawkesError(
        ErrorCode.approvalNotAllowed,
        `stage ${stageName} may only be approved after ${previous.name} passed`,
      );
    }
    if (
      stage &&
      stage.approval.users.length > 0 &&
      !stage.approval.users.includes(user) &&
      user !== "admin"
    ) {
      throw new FawkesError(ErrorCode.forbidden, `user ${user} may not approve stage ${stageName}`);
    }
    const stageRun = await scheduleStage(ctx, engine.hooks, run, index, {
      runEvent: "approve",
      approvedBy: user,
      rerunOfCounter: null,
    });
    await recordAudit(ctx.db, {
      ...by,
      action: "stage.approve",
      target: auditTarget.stage(pipeline, counter, stageName),
      details: { stageCounter: stageRun.counter },
      at: ctx.now(),
    });
  });
}
