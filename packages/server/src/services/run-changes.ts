/** What changed between a run and the one before it, per material (GoCD's "compare"). */
import type { RunChangesDto } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import { previousRun, runMaterials } from "../store/runs-repo.ts";
import { requireRun } from "./pipeline-status.ts";

export async function runChanges(engine: Engine, pipeline: string, counter: number): Promise<RunChangesDto> {
  const { ctx } = engine;
  const run = await requireRun(ctx, pipeline, counter);
  const before = await previousRun(ctx.db, pipeline, counter);
  const previous = before ? await runMaterials(ctx.db, before.id) : [];
  const materials: RunChangesDto["materials"] = [];
  for (const material of await runMaterials(ctx.db, run.id)) {
    const from = previous.find((p) => p.material === material.material)?.revision ?? null;
    const config = run.config.materials.find((m) => m.name === material.material);
    let commits: RunChangesDto["materials"][number]["commits"] = [];
    if (material.type === "git" && config?.type === "git" && from !== material.revision) {
      const repo = await engine.mirror.ensure(config.url, material.revision).catch(() => null);
      commits = repo ? await repo.commitsBetween(from, material.revision, 100).catch(() => []) : [];
    }
    materials.push({
      material: material.material,
      type: material.type,
      from,
      to: material.revision,
      commits,
    });
  }
  return { materials };
}
