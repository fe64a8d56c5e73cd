/**
 * The value stream map of a run: its git materials, every upstream run it was built from and every run built
 * from it, transitively (bounded), as nodes in levels (negative upstream, positive downstream) and edges.
 */
import type { VsmDto, VsmNodeDto } from "@fawkes/protocol";
import type { Engine } from "../engine/engine.ts";
import type { RunRecord } from "../store/records.ts";
import { downstreamRunIds, findRunById, runMaterials } from "../store/runs-repo.ts";
import { stageRunsOfRuns } from "../store/stages-repo.ts";
import { requireRun } from "./pipeline-status.ts";

const MAX_NODES = 200;

export async function valueStreamMap(engine: Engine, pipeline: string, counter: number): Promise<VsmDto> {
  const { db } = engine.ctx;
  const root = await requireRun(engine.ctx, pipeline, counter);
  const runs = new Map<number, { run: RunRecord; level: number }>([[root.id, { run: root, level: 0 }]]);
  const nodes = new Map<string, VsmNodeDto>();
  const edges = new Set<string>();
  const runId = (run: RunRecord): string => `run:${run.pipeline}/${run.counter}`;

  // Upstream: materials of each run, walking dependency materials to their runs.
  const upQueue = [root];
  while (upQueue.length > 0 && runs.size < MAX_NODES) {
    const run = upQueue.shift()!;
    const level = runs.get(run.id)!.level;
    for (const m of await runMaterials(db, run.id)) {
      if (m.upstreamRunId === null) {
        const id = `git:${m.fingerprint}`;
        if (!nodes.has(id)) {
          nodes.set(id, {
            id,
            kind: "git",
            name: m.material,
            detail: m.revision,
            pipeline: null,
            counter: null,
            result: null,
            stages: [],
            level: level - 1,
          });
        }
        edges.add(`${id}\n${runId(run)}`);
        continue;
      }
      const upstream = runs.get(m.upstreamRunId)?.run ?? (await findRunById(db, m.upstreamRunId));
      if (!upstream) continue;
      edges.add(`${runId(upstream)}\n${runId(run)}`);
      if (!runs.has(upstream.id)) {
        runs.set(upstream.id, { run: upstream, level: level - 1 });
        upQueue.push(upstream);
      }
    }
  }
  // Downstream: runs that list a run as their upstream revision.
  const downQueue = [root];
  while (downQueue.length > 0 && runs.size < MAX_NODES) {
    const run = downQueue.shift()!;
    const level = runs.get(run.id)!.level;
    for (const id of await downstreamRunIds(db, run.id)) {
      const downstream = runs.get(id)?.run ?? (await findRunById(db, id));
      if (!downstream) continue;
      edges.add(`${runId(run)}\n${runId(downstream)}`);
      if (!runs.has(id)) {
        runs.set(id, { run: downstream, level: level + 1 });
        downQueue.push(downstream);
      }
    }
  }
  const stages = await stageRunsOfRuns(db, [...runs.keys()]);
  for (const { run, level } of runs.values()) {
    const latest = new Map<string, (typeof stages)[number]>();
    for (const stage of stages) if (stage.runId === run.id) latest.set(stage.name, stage);
    nodes.set(runId(run), {
      id: runId(run),
      kind: "run",
      name: run.pipeline,
      detail: run.label,
      pipeline: run.pipeline,
      counter: run.counter,
      result: run.result,
      stages: [...latest.values()]
        .sort((a, b) => a.stageIndex - b.stageIndex)
        .map((s) => ({ name: s.name, result: s.result })),
      level,
    });
  }
  return {
    nodes: [...nodes.values()],
    edges: [...edges].map((edge) => {
      const [from = "", to = ""] = edge.split("\n");
      return { from, to };
    }),
  };
}
