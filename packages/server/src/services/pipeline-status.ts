/** Read models for the API: pipeline status and run details, built from the store in a few queries. */
import { overridableVariables } from "@fawkes/core";
import {
  ErrorCode,
  FawkesError,
  type PipelineRunDto,
  type PipelineStatusDto,
  type PipelineSummaryDto,
  type StageRunDto,
} from "@fawkes/protocol";
import { isArchived } from "../engine/configured-pipeline.ts";
import type { ReadContext } from "../engine/context.ts";
import type { Engine } from "../engine/engine.ts";
import { listAgents } from "../store/agents-repo.ts";
import type { RunRecord } from "../store/records.ts";
import {
  findPipeline,
  findRun,
  latestRuns,
  listPipelines,
  listRuns,
  runMaterialsOf,
} from "../store/runs-repo.ts";
import { jobRunsOfStagesWithAgents, stageRunsOfRuns } from "../store/stages-repo.ts";

export async function runDtos(engine: Engine, runs: RunRecord[]): Promise<PipelineRunDto[]> {
  const { ctx } = engine;
  const runIds = runs.map((r) => r.id);
  const stages = await stageRunsOfRuns(ctx.db, runIds);
  const jobs = await jobRunsOfStagesWithAgents(
    ctx.db,
    stages.map((s) => s.id),
  );
  const materials = await runMaterialsOf(ctx.db, runIds);
  // Only a job still waiting for an agent needs the agents (its waiting reason).
  const agents = jobs.some((job) => job.state === "scheduled") ? await listAgents(ctx.db) : [];
  return runs.map((run) => {
    // Only the latest counter of each stage is shown, in config order.
    const latest = new Map<string, (typeof stages)[number]>();
    for (const stage of stages) if (stage.runId === run.id) latest.set(stage.name, stage);
    // A stage run is stale when an earlier stage has run since (a rerun): stage runs are numbered in the order
    // they were scheduled, so "since" is a greater id.
    const newestEarlier = (index: number) =>
      Math.max(-1, ...[...latest.values()].filter((s) => s.stageIndex < index).map((s) => s.id));
    const stageDtos: StageRunDto[] = [...latest.values()]
      .sort((a, b) => a.stageIndex - b.stageIndex)
      .map((stage) => ({
        name: stage.name,
        counter: stage.counter,
        result: stage.result,
        approvalType: stage.approvalType,
        approvedBy: stage.approvedBy,
        rerunOfCounter: stage.rerunOfCounter,
        scheduledAt: stage.scheduledAt,
        completedAt: stage.completedAt,
        stale: newestEarlier(stage.stageIndex) > stage.id,
        jobs: jobs
          .filter((job) => job.stageRunId === stage.id)
          .map((job) => ({
            name: job.name,
            state: job.state,
            result: job.result,
            agent: job.agentId ? (job.agentName ?? job.agentId) : null,
            waitingReason:
              job.state === "scheduled"
                ? engine.dispatcher.waitingReason(job, run.config.environment, agents)
                : null,
            scheduledAt: job.scheduledAt,
            assignedAt: job.assignedAt,
            completedAt: job.completedAt,
          })),
      }));
    return {
      counter: run.counter,
      label: run.label,
      result: run.result,
      trigger: run.trigger,
      stages: stageDtos,
      awaitingApproval: run.awaitingStage,
      materials: (materials.get(run.id) ?? []).map((m) => ({
        material: m.material,
        type: m.type,
        revision: m.revision,
        description: m.description,
        changed: m.changed,
      })),
      createdAt: run.createdAt,
    };
  });
}

export async function pipelineStatus(
  engine: Engine,
  name: string,
  limit: number,
  offset: number,
): Promise<PipelineStatusDto> {
  const { ctx } = engine;
  const config = ctx.config.pipeline(name);
  const state = await findPipeline(ctx.db, name);
  if (!config && !state) throw new FawkesError(ErrorCode.pipelineNotFound, `no pipeline named ${name}`);
  const runs = await listRuns(ctx.db, name, limit, offset);
  const archived = isArchived(ctx, name, state !== undefined);
  // An archived pipeline's group is its latest run's (the page shows it where it used to be).
  const latest = !config && state ? await findRun(ctx.db, name, state.lastCounter) : undefined;
  return {
    pipeline: name,
    archived,
    group: config?.group ?? latest?.config.group ?? "",
    paused: state?.paused ?? false,
    pauseReason: state?.pauseReason ?? null,
    locked: state?.lockedByCounter != null,
    triggerVariables: config ? overridableVariables(config, ctx.config.environment(config.environment)) : [],
    runs: await runDtos(engine, runs),
  };
}

/**
 * Every pipeline (or those in `only`) with its latest run: a fixed number of queries however many there are.
 * Configured pipelines come first, in config order; then archived ones (runs but no config any more), by name,
 * with the group and stages of their latest run.
 */
export async function pipelineSummaries(
  engine: Engine,
  only?: ReadonlySet<string>,
): Promise<PipelineSummaryDto[]> {
  const { ctx } = engine;
  const all = ctx.config.snapshot().pipelines;
  const configured = new Set(all.map((config) => config.name));
  const configs = all.filter((config) => !only || only.has(config.name));
  const states = new Map((await listPipelines(ctx.db)).map((p) => [p.name, p]));
  const archivedNames = [...states.keys()]
    .filter((name) => !configured.has(name) && (!only || only.has(name)) && isArchived(ctx, name, true))
    .sort();
  const latest = await latestRuns(
    ctx.db,
    only && [...configs.map((config) => config.name), ...archivedNames],
  );
  const runs = new Map(latest.map((run) => [run.pipeline, run]));
  const dtos = new Map((await runDtos(engine, latest)).map((dto, index) => [latest[index]!.pipeline, dto]));
  const active = configs.map((config): PipelineSummaryDto => ({
    name: config.name,
    group: config.group,
    paused: states.get(config.name)?.paused ?? false,
    stages: config.stages.map((s) => s.name),
    triggerVariables: overridableVariables(config, ctx.config.environment(config.environment)),
    latest: dtos.get(config.name) ?? null,
    archived: false,
  }));
  // An archived pipeline without runs (paused, then removed before it ever ran) has no history to show.
  const archived = archivedNames.flatMap((name): PipelineSummaryDto[] => {
    const run = runs.get(name);
    if (!run) return [];
    return [
      {
        name,
        group: run.config.group,
        paused: states.get(name)?.paused ?? false,
        stages: run.config.stages.map((s) => s.name),
        triggerVariables: [],
        latest: dtos.get(name) ?? null,
        archived: true,
      },
    ];
  });
  return [...active, ...archived];
}

export async function requireRun(ctx: ReadContext, pipeline: string, counter: number): Promise<RunRecord> {
  const run = await findRun(ctx.db, pipeline, counter);
  if (!run) throw new FawkesError(ErrorCode.runNotFound, `pipeline ${pipeline} has no run ${counter}`);
  return run;
}
