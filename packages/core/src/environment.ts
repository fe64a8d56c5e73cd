/**
 * The environment variables of one job, as GoCD sets them: the `GO_*` set, then user variables with GoCD's
 * precedence (lowest first): environment < pipeline < stage < job. A user variable with the name of a `GO_*`
 * variable replaces it, as in GoCD ("overriding environment variable"). Last, values given at trigger time
 * replace the variable wherever it is declared, but only a variable declared for this job (GoCD's
 * `addToIfExists`): a trigger never adds a variable (see trigger-variables.ts).
 */
import type { EnvironmentConfig, JobConfig, PipelineConfig, StageConfig, Variable } from "./config/model.ts";

/** One material's revision in the run being built. */
export interface MaterialRevisionInput {
  /** Material name (empty for an unnamed git material: its destination names the variables then). */
  name: string;
  type: "git" | "dependency";
  /** Git URL (credentials are stripped before it is exposed). */
  url?: string | null;
  branch?: string | null;
  destination?: string | null;
  /** Git: the newest commit of the run; dependency: `upstream/counter/stage/stageCounter`. */
  revision: string;
  /** Git: the oldest commit of the batch; null = same as `revision`. */
  fromRevision?: string | null;
  /** Whether this material changed since the previous run. */
  changed: boolean;
  /** Dependency: the upstream run's label (GO_DEPENDENCY_LABEL_<NAME>). */
  upstreamLabel?: string | null;
  /** Dependency: `upstream/counter/stage/stageCounter` (GO_DEPENDENCY_LOCATOR_<NAME>); default `revision`. */
  upstreamLocator?: string | null;
}

export interface JobEnvironmentInput {
  serverUrl: string;
  pipeline: Pick<PipelineConfig, "name" | "group" | "environmentVariables">;
  stage: Pick<StageConfig, "name" | "environmentVariables">;
  job: Pick<JobConfig, "name" | "environmentVariables" | "runInstances">;
  /** The job run's name when it differs from the config's (`build-runInstance-2`); GO_JOB_NAME. */
  jobName?: string;
  /** Pipeline counter and label of the run. */
  counter: number;
  label: string;
  stageCounter: number;
  /** The stage counter this stage run reruns, or null for a first run. */
  rerunOfStageCounter?: number | null;
  /** GO_TRIGGER_USER: the user, `changes` for material triggers, `timer`, `anonymous`. */
  triggerUser: string;
  /** 1-based instance index and instance count for `run_instances` jobs. */
  runIndex?: number | null;
  runCount?: number | null;
  agentResources: readonly string[];
  /**
   * Variables chosen when the run was triggered; each replaces the declared variable of that name at whatever
   * level declares it, and is ignored when no level declares it for this job. Secure when it says so or when
   * any level of this job declares it secure.
   */
  triggerVariables?: Readonly<Record<string, string>> | readonly Variable[];
  environment?: Pick<EnvironmentConfig, "name" | "environmentVariables"> | null;
  materials: readonly MaterialRevisionInput[];
}

export interface JobEnvironmentVariable {
  name: string;
  value: string;
  /** Secret: masked in console logs. */
  secure: boolean;
}

/** GoCD's suffix for a material: its name (or destination) upper-cased, non-alphanumerics as `_`. */
export function materialVariableSuffix(name: string, destination?: string | null): string {
  const base = name !== "" ? name : (destination ?? "");
  return base.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

/** A URL without its user and password (GO_MATERIAL_URL never carries credentials). */
export function stripCredentials(url: string): string {
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) return url;
  try {
    const parsed = new URL(url);
    if (parsed.username === "" && parsed.password === "") return url;
    return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, "$1");
  } catch {
    return url.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@]*@/, "$1");
  }
}

export function buildJobEnvironment(input: JobEnvironmentInput): JobEnvironmentVariable[] {
  const variables = new Map<string, JobEnvironmentVariable>();
  const set = (name: string, value: string, secure = false) => variables.set(name, { name, value, secure });

  set("GO_SERVER_URL", input.serverUrl);
  if (input.environment) set("GO_ENVIRONMENT_NAME", input.environment.name);
  set("GO_PIPELINE_NAME", input.pipeline.name);
  set("GO_PIPELINE_COUNTER", String(input.counter));
  set("GO_PIPELINE_LABEL", input.label);
  set("GO_PIPELINE_GROUP_NAME", input.pipeline.group);
  set("GO_STAGE_NAME", input.stage.name);
  set("GO_STAGE_COUNTER", String(input.stageCounter));
  if (input.rerunOfStageCounter !== undefined && input.rerunOfStageCounter !== null) {
    set("GO_RERUN_OF_STAGE_COUNTER", String(input.rerunOfStageCounter));
  }
  set("GO_JOB_NAME", input.jobName ?? input.job.name);
  if (input.job.runInstances !== null && input.runIndex !== undefined && input.runIndex !== null) {
    set("GO_JOB_RUN_INDEX", String(input.runIndex));
    set("GO_JOB_RUN_COUNT", String(input.runCount ?? input.runIndex));
  }
  set("GO_TRIGGER_USER", input.triggerUser);
  set("GO_AGENT_RESOURCES", input.agentResources.join(","));
  materialVariables(input.materials, set);

  // Name → whether a level of this job declares it secure.
  const declared = new Map<string, boolean>();
  const levels = [
    input.environment?.environmentVariables ?? [],
    input.pipeline.environmentVariables,
    input.stage.environmentVariables,
    input.job.environmentVariables,
  ];
  for (const level of levels) {
    for (const variable of level) {
      set(variable.name, variable.value, variable.secure);
      declared.set(variable.name, declared.get(variable.name) === true || variable.secure);
    }
  }
  for (const variable of triggerVariables(input.triggerVariables)) {
    const declaredSecure = declared.get(variable.name);
    if (declaredSecure === undefined) continue;
    set(variable.name, variable.value, variable.secure || declaredSecure);
  }
  return [...variables.values()];
}

function triggerVariables(input: JobEnvironmentInput["triggerVariables"]): readonly Variable[] {
  if (input === undefined) return [];
  if (Array.isArray(input)) return input as readonly Variable[];
  return Object.entries(input).map(([name, value]) => ({ name, value: String(value), secure: false }));
}

function materialVariables(
  materials: readonly MaterialRevisionInput[],
  set: (name: string, value: string, secure?: boolean) => void,
): void {
  const git = materials.filter((material) => material.type === "git");
  for (const material of materials) {
    const suffix = materialVariableSuffix(material.name, material.destination);
    const changed = String(material.changed);
    if (material.type === "dependency") {
      set(`GO_DEPENDENCY_LABEL_${suffix}`, material.upstreamLabel ?? "");
      set(`GO_DEPENDENCY_LOCATOR_${suffix}`, material.upstreamLocator ?? material.revision);
      set(`GO_MATERIAL_${suffix}_HAS_CHANGED`, changed);
      continue;
    }
    const values: [string, string][] = [
      ["GO_REVISION", material.revision],
      ["GO_TO_REVISION", material.revision],
      ["GO_FROM_REVISION", material.fromRevision ?? material.revision],
      ["GO_MATERIAL_URL", stripCredentials(material.url ?? "")],
      ["GO_MATERIAL_BRANCH", material.branch ?? ""],
    ];
    // With exactly one git material the short names are set too, so simple scripts need no suffix.
    for (const [name, value] of values) {
      set(`${name}_${suffix}`, value);
      if (git.length === 1) set(name, value);
    }
    set(`GO_MATERIAL_${suffix}_HAS_CHANGED`, changed);
    if (git.length === 1) set("GO_MATERIAL_HAS_CHANGED", changed);
  }
}
