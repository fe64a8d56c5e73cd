/** Stage runs and job runs. */
import type { StageJobCounts } from "@fawkes/core";
import type { JobResult, JobState, RunResult } from "@fawkes/protocol";
import { sql } from "kysely";
import { bool, type Executor } from "./executor.ts";
import type { JobRunRecord, StageRunRecord } from "./records.ts";
import type { DbJobRun, DbStageRun } from "./schema.ts";

const toStage = (row: DbStageRun): StageRunRecord => ({
  id: row.id,
  runId: row.run_id,
  pipeline: row.pipeline,
  pipelineCounter: row.pipeline_counter,
  name: row.name,
  stageIndex: row.stage_index,
  counter: row.counter,
  result: row.result as RunResult,
  approvalType: row.approval_type as "success" | "manual",
  approvedBy: row.approved_by,
  rerunOfCounter: row.rerun_of_counter,
  scheduledAt: row.scheduled_at,
  completedAt: row.completed_at,
});

const toJob = (row: DbJobRun): JobRunRecord => ({
  id: row.id,
  stageRunId: row.stage_run_id,
  runId: row.run_id,
  name: row.name,
  state: row.state as JobState,
  result: row.result as JobResult,
  resources: JSON.parse(row.resources_json) as string[],
  agentId: row.agent_id,
  leaseId: row.lease_id,
  attempts: row.attempts,
  cancelRequested: row.cancel_requested === 1,
  waitingReason: row.waiting_reason,
  scheduledAt: row.scheduled_at,
  assignedAt: row.assigned_at,
  completedAt: row.completed_at,
});

/**
 * `state != 'completed'` as a literal: SQLite uses the partial index of unfinished jobs only when the query
 * repeats its condition verbatim (a bound parameter would not match), so lookups stay small forever.
 */
const unfinished = sql<boolean>`state != 'completed'`;

export interface NewStageRun {
  runId: number;
  pipeline: string;
  pipelineCounter: number;
  name: string;
  stageIndex: number;
  approvalType: "success" | "manual";
  approvedBy: string | null;
  rerunOfCounter: number | null;
  scheduledAt: number;
  /** Jobs to run; a job with `copiedResult` is recorded completed with that result (rerun of selected jobs). */
  jobs: { name: string; resources: string[]; copiedResult?: JobResult }[];
}

export async function insertStageRun(db: Executor, stage: NewStageRun): Promise<StageRunRecord> {
  // The stage's next counter is read in the insert itself: one round trip, not two.
  const counter = sql<number>`(select coalesce(max(s.counter), 0) + 1 from stage_runs as s where s.run_id = ${stage.runId} and s.name = ${stage.name})`;
  const row = await db
    .insertInto("stage_runs")
    .values({
      run_id: stage.runId,
      pipeline: stage.pipeline,
      pipeline_counter: stage.pipelineCounter,
      name: stage.name,
      stage_index: stage.stageIndex,
      counter,
      result: "building",
      approval_type: stage.approvalType,
      approved_by: stage.approvedBy,
      rerun_of_counter: stage.rerunOfCounter,
      scheduled_at: stage.scheduledAt,
      completed_at: null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await db
    .insertInto("job_runs")
    .values(
      stage.jobs.map((job) => ({
        stage_run_id: row.id,
        run_id: stage.runId,
        name: job.name,
        state: job.copiedResult ? "completed" : "scheduled",
        result: job.copiedResult ?? "unknown",
        resources_json: JSON.stringify(job.resources),
        agent_id: null,
        lease_id: null,
        attempts: 0,
        cancel_requested: 0,
        waiting_reason: null,
        scheduled_at: stage.scheduledAt,
        assigned_at: null,
        completed_at: job.copiedResult ? stage.scheduledAt : null,
        console_bytes: 0,
      })),
    )
    .execute();
  return toStage(row);
}

export async function stageRunsOfRun(db: Executor, runId: number): Promise<StageRunRecord[]> {
  const rows = await db
    .selectFrom("stage_runs")
    .selectAll()
    .where("run_id", "=", runId)
    .orderBy("id")
    .execute();
  return rows.map(toStage);
}

export async function stageRunsOfRuns(db: Executor, runIds: number[]): Promise<StageRunRecord[]> {
  if (runIds.length === 0) return [];
  const rows = await db
    .selectFrom("stage_runs")
    .selectAll()
    .where("run_id", "in", runIds)
    .orderBy("id")
    .execute();
  return rows.map(toStage);
}

export async function findStageRun(db: Executor, id: number): Promise<StageRunRecord | undefined> {
  const row = await db.selectFrom("stage_runs").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toStage(row);
}

export async function updateStageRun(
  db: Executor,
  id: number,
  patch: { result: RunResult; completedAt: number | null },
): Promise<void> {
  await db
    .updateTable("stage_runs")
    .set({ result: patch.result, completed_at: patch.completedAt })
    .where("id", "=", id)
    .execute();
}

/** Latest passed runs of a stage, newest first (candidates for dependency materials and fan-in). */
export async function passedStageRuns(
  db: Executor,
  pipeline: string,
  stage: string,
  limit: number,
): Promise<StageRunRecord[]> {
  const rows = await db
    .selectFrom("stage_runs")
    .selectAll()
    .where("pipeline", "=", pipeline)
    .where("name", "=", stage)
    .where("result", "=", "passed")
    .orderBy("pipeline_counter", "desc")
    .orderBy("counter", "desc")
    .limit(limit)
    .execute();
  return rows.map(toStage);
}

export async function jobRunsOfStages(db: Executor, stageRunIds: number[]): Promise<JobRunRecord[]> {
  if (stageRunIds.length === 0) return [];
  const rows = await db
    .selectFrom("job_runs")
    .selectAll()
    .where("stage_run_id", "in", stageRunIds)
    .orderBy("id")
    .execute();
  return rows.map(toJob);
}

/** {@link jobRunsOfStages} with the name of each job's agent (the run views show names): one query. */
export async function jobRunsOfStagesWithAgents(
  db: Executor,
  stageRunIds: number[],
): Promise<(JobRunRecord & { agentName: string | null })[]> {
  if (stageRunIds.length === 0) return [];
  const rows = await db
    .selectFrom("job_runs")
    .leftJoin("agents", "agents.id", "job_runs.agent_id")
    .selectAll("job_runs")
    .select("agents.name as agent_name")
    .where("job_runs.stage_run_id", "in", stageRunIds)
    .orderBy("job_runs.id")
    .execute();
  return rows.map((row) => ({ ...toJob(row), agentName: row.agent_name }));
}

export async function findJobRun(db: Executor, id: number): Promise<JobRunRecord | undefined> {
  const row = await db.selectFrom("job_runs").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toJob(row);
}

/** Jobs waiting for an agent, oldest first. */
export async function scheduledJobRuns(
  db: Executor,
  afterId = 0,
  limit = 1_000_000,
): Promise<JobRunRecord[]> {
  const rows = await db
    .selectFrom("job_runs")
    .selectAll()
    .where(unfinished)
    .where("state", "=", "scheduled")
    .where("id", ">", afterId)
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toJob);
}

/** Jobs held by an agent (assigned … completing). */
export async function activeJobRuns(db: Executor): Promise<JobRunRecord[]> {
  const rows = await db
    .selectFrom("job_runs")
    .selectAll()
    .where(unfinished)
    .where("state", "in", ["assigned", "preparing", "building", "completing"])
    // Oldest first on both stores (PostgreSQL has no rowid order to fall back on): the lost-agent sweep
    // reschedules in the order the jobs were created.
    .orderBy("id")
    .execute();
  return rows.map(toJob);
}

export interface JobRunPatch {
  state?: JobState;
  result?: JobResult;
  agentId?: string | null;
  leaseId?: string | null;
  attempts?: number;
  cancelRequested?: boolean;
  waitingReason?: string | null;
  assignedAt?: number | null;
  completedAt?: number | null;
}

/**
 * Updates a job run; with `expectLease`, only if its current lease still matches (fencing).
 * Returns whether a row changed.
 */
export async function updateJobRun(
  db: Executor,
  id: number,
  patch: JobRunPatch,
  expectLease?: string,
  expectState?: JobState,
): Promise<boolean> {
  let query = db
    .updateTable("job_runs")
    .set({
      ...(patch.state !== undefined && { state: patch.state }),
      ...(patch.result !== undefined && { result: patch.result }),
      ...(patch.agentId !== undefined && { agent_id: patch.agentId }),
      ...(patch.leaseId !== undefined && { lease_id: patch.leaseId }),
      ...(patch.attempts !== undefined && { attempts: patch.attempts }),
      ...(patch.cancelRequested !== undefined && { cancel_requested: bool(patch.cancelRequested) }),
      ...(patch.waitingReason !== undefined && { waiting_reason: patch.waitingReason }),
      ...(patch.assignedAt !== undefined && { assigned_at: patch.assignedAt }),
      ...(patch.completedAt !== undefined && { completed_at: patch.completedAt }),
    })
    .where("id", "=", id);
  if (expectLease !== undefined) query = query.where("lease_id", "=", expectLease);
  if (expectState !== undefined) query = query.where("state", "=", expectState);
  const result = await query.executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

const countJobs = (where: ReturnType<typeof sql>) => ({
  unfinished: sql<number>`(select count(*) from job_runs as j where ${where} and j.state != 'completed')`,
  cancelled: sql<number>`(select count(*) from job_runs as j where ${where} and j.state = 'completed' and j.result = 'cancelled')`,
  failed: sql<number>`(select count(*) from job_runs as j where ${where} and j.state = 'completed' and j.result not in ('passed', 'cancelled'))`,
});

const toCounts = (
  row: { unfinished: unknown; cancelled: unknown; failed: unknown } | undefined,
): StageJobCounts => ({
  unfinished: Number(row?.unfinished ?? 0),
  cancelled: Number(row?.cancelled ?? 0),
  failed: Number(row?.failed ?? 0),
});

/** Unfinished, cancelled and failed job counts of a stage run, in one query. */
export async function stageJobCounts(db: Executor, stageRunId: number): Promise<StageJobCounts> {
  const counts = countJobs(sql`j.stage_run_id = ${stageRunId}`);
  const row = await db
    .selectNoFrom([
      counts.unfinished.as("unfinished"),
      counts.cancelled.as("cancelled"),
      counts.failed.as("failed"),
    ])
    .executeTakeFirst();
  return toCounts(row);
}

/** A stage run and its job counts in one round trip (a job's completion decides its stage from both). */
export async function stageRunWithCounts(
  db: Executor,
  stageRunId: number,
): Promise<{ stage: StageRunRecord; counts: StageJobCounts } | undefined> {
  const counts = countJobs(sql`j.stage_run_id = stage_runs.id`);
  const row = await db
    .selectFrom("stage_runs")
    .selectAll()
    .select([
      counts.unfinished.as("unfinished"),
      counts.cancelled.as("cancelled"),
      counts.failed.as("failed"),
    ])
    .where("id", "=", stageRunId)
    .executeTakeFirst();
  return row && { stage: toStage(row), counts: toCounts(row) };
}
