/** Turns the pipeline list into what the dashboard draws (pure: tested under node:test). */
import type { PipelineRunDto, PipelineSummaryDto, StageRunDto } from "@fawkes/protocol";
import type { DisplayState } from "../format/states.ts";

export interface PipelineGroup {
  name: string;
  pipelines: PipelineSummaryDto[];
}

/** Groups in the order they first appear (the server's config order); pipelines keep their order. */
export function groupPipelines(pipelines: readonly PipelineSummaryDto[]): PipelineGroup[] {
  const groups = new Map<string, PipelineSummaryDto[]>();
  for (const pipeline of pipelines) {
    const members = groups.get(pipeline.group);
    if (members === undefined) groups.set(pipeline.group, [pipeline]);
    else members.push(pipeline);
  }
  return [...groups].map(([name, members]) => ({ name, pipelines: members }));
}

export interface StageBar {
  name: string;
  state: DisplayState;
  /** The stage run shown (its latest counter), if the stage ran. */
  run: StageRunDto | undefined;
}

/** The latest run of each stage name (a rerun adds a StageRunDto with a higher counter). */
export function latestStageRuns(run: PipelineRunDto): Map<string, StageRunDto> {
  const latest = new Map<string, StageRunDto>();
  for (const stage of run.stages) {
    const seen = latest.get(stage.name);
    if (seen === undefined || stage.counter > seen.counter) latest.set(stage.name, stage);
  }
  return latest;
}

/**
 * One bar per configured stage, in config order: the state of its latest stage run, "awaiting" for the stage
 * waiting for manual approval, "not-run" for a stage the run has not reached. Stages that ran but are no
 * longer configured are appended so nothing that happened is hidden.
 */
export function stageBars(configured: readonly string[], run: PipelineRunDto | null): StageBar[] {
  if (run === null) return configured.map((name) => ({ name, state: "not-run", run: undefined }));
  const latest = latestStageRuns(run);
  const names = [...configured, ...[...latest.keys()].filter((name) => !configured.includes(name))];
  return names.map((name) => {
    const stageRun = latest.get(name);
    if (run.awaitingApproval === name) return { name, state: "awaiting", run: stageRun };
    return { name, state: stageRun?.result ?? "not-run", run: stageRun };
  });
}

/** The stage a Rerun button reruns: the last failed or cancelled stage of a finished run. */
export function rerunnableStage(run: PipelineRunDto | null): string | undefined {
  if (run === null || run.result === "building") return undefined;
  const stages = [...latestStageRuns(run).values()];
  for (let index = stages.length - 1; index >= 0; index--) {
    const stage = stages[index];
    if (stage !== undefined && (stage.result === "failed" || stage.result === "cancelled")) return stage.name;
  }
  return undefined;
}

/** Replace one pipeline's entry (same object for every other one, so memoised rows do not re-render). */
export function replacePipeline(
  pipelines: readonly PipelineSummaryDto[],
  name: string,
  update: (pipeline: PipelineSummaryDto) => PipelineSummaryDto,
): PipelineSummaryDto[] {
  return pipelines.map((pipeline) => (pipeline.name === name ? update(pipeline) : pipeline));
}

/** Case-insensitive filter on pipeline and group names (the dashboard's search box). */
export function filterPipelines(
  pipelines: readonly PipelineSummaryDto[],
  query: string,
): readonly PipelineSummaryDto[] {
  const needle = query.trim().toLowerCase();
  if (needle === "") return pipelines;
  return pipelines.filter(
    (pipeline) =>
      pipeline.name.toLowerCase().includes(needle) || pipeline.group.toLowerCase().includes(needle),
  );
}
