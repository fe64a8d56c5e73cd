import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { ensurePipeline, updatePipeline } from "../store/runs-repo.ts";

function requireConfigured(engine: Engine, name: string): void {
  if (!engine.config.pipeline(name))
    throw new FawkesError(ErrorCode.pipelineNotFound, `no pipeline named ${name}`);
}

export async function pausePipeline(
  engine: Engine,
  name: string,
  reason: string,
  user: string,
): Promise<void> {
  requireConfigured(engine, name);
  const { ctx } = engine;
  await ctx.lock.run(async () => {
    await ensurePipeline(ctx.db, name, ctx.now());
    await updatePipeline(ctx.db, name, { paused: true, pauseReason: reason, pausedBy: user }, ctx.now());
  });
  ctx.log.info({ pipeline: name }, "pipeline paused");
  ctx.events.publish({ type: "pipeline", pipeline: name });
}

export async function unpausePipeline(engine: Engine, name: string): Promise<void> {
  requireConfigured(engine, name);
  const { ctx } = engine;
  await ctx.lock.run(async () => {
    await ensurePipeline(ctx.db, name, ctx.now());
    await updatePipeline(ctx.db, name, { paused: false, pauseReason: null, pausedBy: null }, ctx.now());
  });
  ctx.log.info({ pipeline: name }, "pipeline unpaused");
  ctx.events.publish({ type: "pipeline", pipeline: name });
  // Changes that arrived while paused run now, as in GoCD.
  await engine.triggers.checkForChanges(name);
}
