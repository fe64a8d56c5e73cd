/** Pipelines, pipeline runs and the material revisions of each run. */
import type { PipelineConfig } from "@fawkes/core";
import { sql } from "kysely";
import type { RunResult, TriggerKind } from "@fawkes/protocol";
import { bool, type Executor } from "./executor.ts";
import type { PipelineRecord, RunMaterialRecord, RunRecord } from "./records.ts";
import type { DbPipeline, DbPipelineRun, DbRunMaterial } from "./schema.ts";

const toPipeline = (row: DbPipeline): PipelineRecord => ({
  name: row.name,
  paused: row.paused === 1,
  pauseReason: row.pause_reason,
  pausedBy: row.paused_by,
  lockedByCounter: row.locked_by_counter,
  lastCounter: row.last_counter,
});

/** The config snapshot is parsed only when read: lists of runs (history, dashboard) never need it. */
const toRun = (row: DbPipelineRun): RunRecord => {
  let config: PipelineConfig | undefined;
  return {
    id: row.id,
    pipeline: row.pipeline,
    counter: row.counter,
    label: row.label,
    trigger: { kind: row.trigger_kind as TriggerKind, user: row.trigger_user },
    result: row.result as RunResult,
    get config(): PipelineConfig {
      return (config ??= JSON.parse(row.config_json) as PipelineConfig);
    },
    variables: JSON.parse(row.variables_json) as Record<string, string>,
    awaitingStage: row.awaiting_stage,
    createdAt: row.created_at,
    completedAt: row.completed_at,
  };
};

const toRunMaterial = (row: DbRunMaterial): RunMaterialRecord => ({
  material: row.material,
  type: row.type as "git" | "dependency",
  fingerprint: row.fingerprint,
  revision: row.revision,
  fromRevision: row.from_revision,
  description: row.description,
  changed: row.changed === 1,
  upstreamRunId: row.upstream_run_id,
});

/** A pipeline's row as its first write creates it: unpaused. */
const newPipelineRow = (
  name: string,
  initial: { lockedBy: number | null; counter: number },
  now: number,
) => ({
  name,
  paused: 0,
  pause_reason: null,
  paused_by: null,
  locked_by_counter: initial.lockedBy,
  last_counter: initial.counter,
  updated_at: now,
});

export async function ensurePipeline(db: Executor, name: string, now: number): Promise<PipelineRecord> {
  await db
    .insertInto("pipelines")
    .values(newPipelineRow(name, { lockedBy: null, counter: 0 }, now))
    .onConflict((oc) => oc.column("name").doNothing())
    .execute();
  return toPipeline(
    await db.selectFrom("pipelines").selectAll().where("name", "=", name).executeTakeFirstOrThrow(),
  );
}

/**
 * Takes the pipeline's next run counter in one statement (the row is created on the pipeline's first run) and,
 * for a locking pipeline, locks it to that counter in the same write.
 */
export async function takeNextCounter(
  db: Executor,
  name: string,
  options: { lock: boolean },
  now: number,
): Promise<number> {
  const next = sql<number>`pipelines.last_counter + 1`;
  const row = await db
    .insertInto("pipelines")
    .values(newPipelineRow(name, { lockedBy: options.lock ? 1 : null, counter: 1 }, now))
    .onConflict((oc) =>
      oc.column("name").doUpdateSet({
        last_counter: next,
        updated_at: now,
        ...(options.lock && { locked_by_counter: next }),
      }),
    )
    .returning("last_counter")
    .executeTakeFirstOrThrow();
  return Number(row.last_counter);
}

export async function findPipeline(db: Executor, name: string): Promise<PipelineRecord | undefined> {
  const row = await db.selectFrom("pipelines").selectAll().where("name", "=", name).executeTakeFirst();
  return row && toPipeline(row);
}

export async function updatePipeline(
  db: Executor,
  name: string,
  patch: Partial<
    Pick<PipelineRecord, "paused" | "pauseReason" | "pausedBy" | "lockedByCounter" | "lastCounter">
  >,
  now: number,
): Promise<void> {
  await db
    .updateTable("pipelines")
    .set({
      ...(patch.paused !== undefined && { paused: bool(patch.paused) }),
      ...(patch.pauseReason !== undefined && { pause_reason: patch.pauseReason }),
      ...(patch.pausedBy !== undefined && { paused_by: patch.pausedBy }),
      ...(patch.lockedByCounter !== undefined && { locked_by_counter: patch.lockedByCounter }),
      ...(patch.lastCounter !== undefined && { last_counter: patch.lastCounter }),
      updated_at: now,
    })
    .where("name", "=", name)
    .execute();
}

export interface NewRun {
  pipeline: string;
  counter: number;
  label: string;
  trigger: { kind: TriggerKind; user: string };
  config: PipelineConfig;
  variables: Record<string, string>;
  createdAt: number;
  materials: RunMaterialRecord[];
}

export async function insertRun(db: Executor, run: NewRun): Promise<RunRecord> {
  const row = await db
    .insertInto("pipeline_runs")
    .values({
      pipeline: run.pipeline,
      counter: run.counter,
      label: run.label,
      trigger_kind: run.trigger.kind,
      trigger_user: run.trigger.user,
      result: "building",
      config_json: JSON.stringify(run.config),
      variables_json: JSON.stringify(run.variables),
      awaiting_stage: null,
      created_at: run.createdAt,
      completed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  if (run.materials.length > 0) {
    await db
      .insertInto("run_materials")
      .values(
        run.materials.map((m) => ({
          run_id: row.id,
          material: m.material,
          type: m.type,
          fingerprint: m.fingerprint,
          revision: m.revision,
          from_revision: m.fromRevision,
          description: m.description,
          changed: bool(m.changed),
          upstream_run_id: m.upstreamRunId,
        })),
      )
      .execute();
  }
  return toRun(row);
}

export async function findRun(
  db: Executor,
  pipeline: string,
  counter: number,
): Promise<RunRecord | undefined> {
  const row = await db
    .selectFrom("pipeline_runs")
    .selectAll()
    .where("pipeline", "=", pipeline)
    .where("counter", "=", counter)
    .executeTakeFirst();
  return row && toRun(row);
}

export async function findRunById(db: Executor, id: number): Promise<RunRecord | undefined> {
  const row = await db.selectFrom("pipeline_runs").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toRun(row);
}

export async function listRuns(
  db: Executor,
  pipeline: string,
  limit: number,
  offset = 0,
): Promise<RunRecord[]> {
  const rows = await db
    .selectFrom("pipeline_runs")
    .selectAll()
    .where("pipeline", "=", pipeline)
    .orderBy("counter", "desc")
    .limit(limit)
    .offset(offset)
    .execute();
  return rows.map(toRun);
}

export async function listUnfinishedRuns(db: Executor): Promise<RunRecord[]> {
  const rows = await db.selectFrom("pipeline_runs").selectAll().where("result", "=", "building").execute();
  return rows.map(toRun);
}

export async function updateRun(
  db: Executor,
  id: number,
  patch: { result?: RunResult; awaitingStage?: string | null; completedAt?: number | null },
): Promise<void> {
  await db
    .updateTable("pipeline_runs")
    .set({
      ...(patch.result !== undefined && { result: patch.result }),
      ...(patch.awaitingStage !== undefined && { awaiting_stage: patch.awaitingStage }),
      ...(patch.completedAt !== undefined && { completed_at: patch.completedAt }),
    })
    .where("id", "=", id)
    .execute();
}

export async function runMaterials(db: Executor, runId: number): Promise<RunMaterialRecord[]> {
  const rows = await db
    .selectFrom("run_materials")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
  return rows.map(toRunMaterial);
}

export async function runMaterialsOf(
  db: Executor,
  runIds: number[],
): Promise<Map<number, RunMaterialRecord[]>> {
  const result = new Map<number, RunMaterialRecord[]>();
  if (runIds.length === 0) return result;
  const rows = await db
    .selectFrom("run_materials")
    .selectAll()
    .where("run_id", "in", runIds)
    .orderBy("id")
    .execute();
  for (const row of rows) {
    const list = result.get(row.run_id) ?? [];
    list.push(toRunMaterial(row));
    result.set(row.run_id, list);
  }
  return result;
}

/** Whether `pipeline` already has a run built from this exact upstream run (never two runs for one). */
export async function hasRunFromUpstream(
  db: Executor,
  pipeline: string,
  upstreamRevision: string,
  fingerprint: string,
): Promise<boolean> {
  const row = await db
    .selectFrom("run_materials")
    .innerJoin("pipeline_runs", "pipeline_runs.id", "run_materials.run_id")
    .select("run_materials.id")
    .where("pipeline_runs.pipeline", "=", pipeline)
    .where("run_materials.fingerprint", "=", fingerprint)
    .where("run_materials.revision", "=", upstreamRevision)
    .executeTakeFirst();
  return row !== undefined;
}

export async function latestRun(db: Executor, pipeline: string): Promise<RunRecord | undefined> {
  return (await listRuns(db, pipeline, 1))[0];
}

/** The material rows of the pipeline's latest run (none before its first), in one query. */
export async function latestRunMaterials(db: Executor, pipeline: string): Promise<RunMaterialRecord[]> {
  const rows = await db
    .selectFrom("run_materials")
    .selectAll()
    .where("run_id", "=", (qb) =>
      qb
        .selectFrom("pipeline_runs")
        .select("id")
        .where("pipeline", "=", pipeline)
        .orderBy("counter", "desc")
        .limit(1),
    )
    .orderBy("id")
    .execute();
  return rows.map(toRunMaterial);
}

/** Ids of the runs that list `runId` as an upstream (dependency material) revision. */
export async function downstreamRunIds(db: Executor, runId: number): Promise<number[]> {
  const rows = await db
    .selectFrom("run_materials")
    .select("run_id")
    .where("upstream_run_id", "=", runId)
    // Stable on both stores: the value stream map lists downstream runs in the order they were created.
    .orderBy("id")
    .execute();
  return [...new Set(rows.map((row) => row.run_id))];
}

/** The run just before `counter` of the same pipeline, if any. */
export async function previousRun(
  db: Executor,
  pipeline: string,
  counter: number,
): Promise<RunRecord | undefined> {
  const row = await db
    .selectFrom("pipeline_runs")
    .selectAll()
    .where("pipeline", "=", pipeline)
    .where("counter", "<", counter)
    .orderBy("counter", "desc")
    .limit(1)
    .executeTakeFirst();
  return row && toRun(row);
}

export async function listPipelines(db: Executor): Promise<PipelineRecord[]> {
  return (await db.selectFrom("pipelines").selectAll().execute()).map(toPipeline);
}

/**
 * The newest run of every pipeline (or of `names`), in one indexed query (the dashboard). CROSS JOIN fixes the join order in
 * SQLite (pipelines outside, one index lookup per pipeline); an inner join let the planner scan every run.
 */
export async function latestRuns(db: Executor, names?: readonly string[]): Promise<RunRecord[]> {
  if (names?.length === 0) return [];
  let query = db
    .selectFrom("pipelines")
    .crossJoin("pipeline_runs")
    .whereRef("pipelines.name", "=", "pipeline_runs.pipeline")
    .whereRef("pipelines.last_counter", "=", "pipeline_runs.counter");
  if (names) query = query.where("pipelines.name", "in", names);
  const rows = await query.selectAll("pipeline_runs").execute();
  return rows.map(toRun);
}
