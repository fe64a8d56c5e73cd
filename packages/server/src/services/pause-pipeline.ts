import { requireConfigured } from "../engine/configured-pipeline.ts";
import type { Engine } from "../engine/engine.ts";
import { insertOutboxRow } from "../store/outbox-repo.ts";
import { ensurePipeline, updatePipeline } from "../store/runs-repo.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "./audit.ts";

export async function pausePipeline(
  engine: Engine,
  name: string,
  reason: string,
  by: AuditOrigin,
): Promise<void> {
  await requireConfigured(engine.ctx, name);
  const { ctx } = engine;
  await ctx.step(async (tx) => {
    await ensurePipeline(tx.db, name, tx.now());
    await updatePipeline(
      tx.db,
      name,
      { paused: true, pauseReason: reason, pausedBy: by.actor.name },
      tx.now(),
    );
    await recordAudit(tx.db, {
      ...by,
      action: "pipeline.pause",
      target: auditTarget.pipeline(name),
      details: { reason },
      at: tx.now(),
    });
  });
  ctx.log.info({ pipeline: name }, "pipeline paused");
  ctx.events.publish({ type: "pipeline", pipeline: name });
}

export async function unpausePipeline(engine: Engine, name: string, by: AuditOrigin): Promise<void> {
  await requireConfigured(engine.ctx, name);
  const { ctx } = engine;
  await ctx.step(async (tx) => {
    await ensurePipeline(tx.db, name, tx.now());
    await updatePipeline(tx.db, name, { paused: false, pauseReason: null, pausedBy: null }, tx.now());
    // Changes that arrived while paused run now, as in GoCD: decided here, so a crash cannot lose it.
    await insertOutboxRow(tx.db, { kind: "changes", pipeline: name, stageRunId: null, createdAt: tx.now() });
    await recordAudit(tx.db, {
      ...by,
      action: "pipeline.unpause",
      target: auditTarget.pipeline(name),
      at: tx.now(),
    });
  });
  ctx.log.info({ pipeline: name }, "pipeline unpaused");
  ctx.events.publish({ type: "pipeline", pipeline: name });
  // The answer waits for that run, as before the outbox.
  await engine.outbox.drain();
}
