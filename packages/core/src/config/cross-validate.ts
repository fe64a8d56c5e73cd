/**
 * Rules that span pipelines: dependency materials point at existing pipelines and stages, no dependency
 * cycles, fetch tasks follow the dependency graph, and a pipeline whose upstream is invalid is dropped too.
 */
import { didYouMean } from "./did-you-mean.ts";
import type { DependencyMaterial, FetchTaskConfig, PipelineConfig, TaskConfig } from "./model.ts";
import { at, locationOf } from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";

export interface CrossValidationInput {
  /** Pipelines valid on their own, by lower-cased name. */
  valid: Map<string, PipelineConfig>;
  /** Lower-cased names of pipelines that are declared but invalid. */
  invalid: Set<string>;
  /**
   * Invalid pipelines that were still resolved (by lower-cased name): their own cross-pipeline problems are
   * reported in the same pass as the rest, but they are never loaded.
   */
  checkOnly: ReadonlyMap<string, PipelineConfig>;
  /** Every declared pipeline name (for "did you mean"). */
  declared: string[];
  sinkOf: (pipeline: string) => IssueSink;
}

/**
 * Removes from `valid` (and adds to `invalid`) every pipeline that breaks a cross-pipeline rule. Every resolved
 * pipeline is checked, including those already invalid, so that one pass reports every independent problem.
 */
export function crossValidate(input: CrossValidationInput): void {
  const { valid, invalid } = input;
  const drop = (name: string) => {
    valid.delete(name.toLowerCase());
    invalid.add(name.toLowerCase());
  };
  const resolved = new Map([...input.checkOnly, ...valid]);
  // What fetches are checked against: not a pipeline without stages (its template is missing), which cannot
  // tell what a fetch from it may name.
  const known = new Map([...resolved].filter(([, pipeline]) => pipeline.stages.length > 0));
  for (const pipeline of input.checkOnly.values()) checkDependencies(pipeline, input);
  for (const pipeline of [...valid.values()]) {
    if (!checkDependencies(pipeline, input)) drop(pipeline.name);
  }
  for (const name of findCycleMembers(valid, input)) drop(name);
  cascade(input);
  const snapshot = new Map(valid);
  for (const [key, pipeline] of resolved) {
    const ok = checkFetchTasks(pipeline, known, input.sinkOf(pipeline.name));
    if (!ok && snapshot.has(key)) drop(pipeline.name);
  }
  cascade(input);
}

const dependencies = (pipeline: PipelineConfig) =>
  pipeline.materials.filter((material): material is DependencyMaterial => material.type === "dependency");

function checkDependencies(pipeline: PipelineConfig, input: CrossValidationInput): boolean {
  const sink = input.sinkOf(pipeline.name);
  const before = sink.count;
  for (const material of dependencies(pipeline)) {
    const place = sink.places.get(material)!;
    const upstreamName = material.pipeline.toLowerCase();
    if (upstreamName === pipeline.name.toLowerCase()) {
      sink.add(
        locationOf(at(place, "pipeline"), "value"),
        `pipeline "${pipeline.name}" cannot depend on itself`,
      );
      continue;
    }
    if (input.invalid.has(upstreamName)) continue; // reported by cascade()
    const upstream = input.valid.get(upstreamName);
    if (upstream === undefined) {
      const hint = didYouMean(material.pipeline, input.declared);
      sink.add(
        locationOf(at(place, "pipeline"), "value"),
        `unknown upstream pipeline "${material.pipeline}"${hint}`,
      );
      continue;
    }
    if (!upstream.stages.some((stage) => stage.name.toLowerCase() === material.stage.toLowerCase())) {
      const hint = didYouMean(
        material.stage,
        upstream.stages.map((stage) => stage.name),
      );
      sink.add(
        locationOf(at(place, "stage"), "value"),
        `pipeline "${upstream.name}" has no stage "${material.stage}"${hint}`,
      );
    }
  }
  return sink.count === before;
}

/** Names of pipelines on a dependency cycle; each gets an issue naming the cycle. */
function findCycleMembers(valid: Map<string, PipelineConfig>, input: CrossValidationInput): string[] {
  const state = new Map<string, "visiting" | "done">();
  const stack: PipelineConfig[] = [];
  const cycles: PipelineConfig[][] = [];
  const visit = (pipeline: PipelineConfig) => {
    state.set(pipeline.name.toLowerCase(), "visiting");
    stack.push(pipeline);
    for (const material of dependencies(pipeline)) {
      const upstream = valid.get(material.pipeline.toLowerCase());
      if (upstream === undefined) continue;
      const upstreamState = state.get(upstream.name.toLowerCase());
      if (upstreamState === "visiting") cycles.push(stack.slice(stack.indexOf(upstream)));
      else if (upstreamState === undefined) visit(upstream);
    }
    stack.pop();
    state.set(pipeline.name.toLowerCase(), "done");
  };
  for (const pipeline of valid.values()) if (!state.has(pipeline.name.toLowerCase())) visit(pipeline);

  const reported = new Set<string>();
  for (const cycle of cycles) {
    for (const [index, member] of cycle.entries()) {
      if (reported.has(member.name.toLowerCase())) continue;
      reported.add(member.name.toLowerCase());
      const sink = input.sinkOf(member.name);
      const next = cycle[(index + 1) % cycle.length]!;
      const material = dependencies(member).find(
        (m) => m.pipeline.toLowerCase() === next.name.toLowerCase(),
      )!;
      // Start at this member so each pipeline's message reads from its own point of view ("a depends on b").
      const names = [...cycle.slice(index), ...cycle.slice(0, index), member].map((p) => p.name);
      sink.add(
        locationOf(at(sink.places.get(material)!, "pipeline"), "value"),
        `dependency cycle: ${names.join(" -> ")}`,
      );
    }
  }
  return [...reported];
}

/** Drops, until nothing changes, every pipeline that depends on an invalid one, saying which. */
function cascade(input: CrossValidationInput): void {
  let changed = true;
  while (changed) {
    changed = false;
    for (const pipeline of [...input.valid.values()]) {
      const broken = dependencies(pipeline).find((material) =>
        input.invalid.has(material.pipeline.toLowerCase()),
      );
      if (broken === undefined) continue;
      const sink = input.sinkOf(pipeline.name);
      sink.add(
        locationOf(at(sink.places.get(broken)!, "pipeline"), "value"),
        `pipeline "${pipeline.name}" is not loaded because its upstream pipeline "${broken.pipeline}" is invalid`,
      );
      input.valid.delete(pipeline.name.toLowerCase());
      input.invalid.add(pipeline.name.toLowerCase());
      changed = true;
    }
  }
}

function fetchTasksOf(tasks: readonly TaskConfig[]): FetchTaskConfig[] {
  return tasks.flatMap((task) => [
    ...(task.kind === "fetch" ? [task] : []),
    ...(task.onCancel === null ? [] : fetchTasksOf([task.onCancel])),
  ]);
}

function checkFetchTasks(
  pipeline: PipelineConfig,
  valid: Map<string, PipelineConfig>,
  sink: IssueSink,
): boolean {
  const before = sink.count;
  for (const [stageIndex, stage] of pipeline.stages.entries()) {
    for (const job of stage.jobs) {
      for (const task of fetchTasksOf(job.tasks)) {
        checkFetch(task, pipeline, stageIndex, valid, sink.places.get(task)!, sink);
      }
    }
  }
  return sink.count === before;
}

/**
 * GoCD's fetch rules: `pipeline` is a path `ancestor/.../parent` along dependency materials (parent is a
 * material of this pipeline). From an upstream pipeline, only the depended-on stage or an earlier one; from
 * this pipeline, only an earlier stage.
 */
function checkFetch(
  task: FetchTaskConfig,
  pipeline: PipelineConfig,
  stageIndex: number,
  valid: Map<string, PipelineConfig>,
  place: Place,
  sink: IssueSink,
): void {
  const path = task.pipelinePath;
  let source = pipeline;
  let lastAllowedStage = stageIndex - 1;
  if (path !== null && path.toLowerCase() !== pipeline.name.toLowerCase()) {
    const segments = path.split("/");
    let child = pipeline;
    for (const segment of segments.reverse()) {
      const material = dependencies(child).find((m) => m.pipeline.toLowerCase() === segment.toLowerCase());
      const upstream = material && valid.get(segment.toLowerCase());
      // An upstream that could not be resolved has its own issues; what it holds is unknown.
      if (material !== undefined && upstream === undefined) return;
      if (material === undefined || upstream === undefined) {
        const what = child === pipeline ? "this pipeline" : `pipeline "${child.name}"`;
        sink.add(
          locationOf(at(place, "pipeline"), "value"),
          `fetch: "${segment}" in "${path}" is not an upstream pipeline (dependency material) of ${what}`,
        );
        return;
      }
      lastAllowedStage = upstream.stages.findIndex(
        (s) => s.name.toLowerCase() === material.stage.toLowerCase(),
      );
      // The material names a stage the upstream lacks: reported on the material (an invalid pipeline's).
      if (lastAllowedStage < 0) return;
      child = upstream;
    }
    source = child;
  }
  const sourceStageIndex = source.stages.findIndex((s) => s.name.toLowerCase() === task.stage.toLowerCase());
  const stageLocation = locationOf(at(place, "stage"), "value");
  if (sourceStageIndex < 0) {
    const hint = didYouMean(
      task.stage,
      source.stages.map((s) => s.name),
    );
    sink.add(stageLocation, `fetch: pipeline "${source.name}" has no stage "${task.stage}"${hint}`);
    return;
  }
  if (sourceStageIndex > lastAllowedStage) {
    const rule =
      source === pipeline
        ? `an earlier stage than "${pipeline.stages[stageIndex]!.name}" of this pipeline`
        : `stage "${source.stages[lastAllowedStage]!.name}" of "${source.name}" (the one depended on) or an earlier one`;
    sink.add(stageLocation, `fetch: stage "${task.stage}" cannot be fetched from here; use ${rule}`);
    return;
  }
  const sourceStage = source.stages[sourceStageIndex]!;
  if (!sourceStage.jobs.some((job) => job.name.toLowerCase() === task.job.toLowerCase())) {
    const hint = didYouMean(
      task.job,
      sourceStage.jobs.map((job) => job.name),
    );
    sink.add(
      locationOf(at(place, "job"), "value"),
      `fetch: stage "${sourceStage.name}" of pipeline "${source.name}" has no job "${task.job}"${hint}`,
    );
  }
}
