/** Stages, jobs and tasks of one pipeline: raw YAML → StageConfig[] with GoCD's (and Fawkes's) defaults. */
import type { RunIf } from "@fawkes/protocol";
import type {
  ApprovalConfig,
  ArtifactConfig,
  IdTokenConfig,
  JobConfig,
  StageConfig,
  TaskConfig,
  Variable,
} from "./model.ts";
import { resolveExternalArtifact, resolveExternalFetch } from "./resolve-external.ts";
import {
  at,
  checkInside,
  checkName,
  checkUniqueNames,
  flattenWithPlaces,
  locationOf,
  resolveVariables,
} from "./resolve-context.ts";
import type { IssueSink, Place } from "./resolve-context.ts";
import { toBoolean } from "./schema-helpers.ts";
import type { RawJob, RawStage, RawStageList, RawTask, RawTaskList } from "./yaml-schema.ts";

/** The shell that runs `script:` tasks. */
export const scriptShell = "/bin/sh";

export function resolveStages(raw: RawStageList, place: Place, sink: IssueSink): StageConfig[] {
  const entries = flattenWithPlaces<Record<string, RawStage>>(raw, place).map(
    ({ item, place: itemPlace }) => {
      const [name, body] = Object.entries(item)[0]!;
      return { name, body, place: at(itemPlace, name) };
    },
  );
  if (entries.length === 0) sink.add(locationOf(place), "a pipeline needs at least one stage");
  checkUniqueNames(entries, "stage", sink);
  return entries.map(({ name, body, place: stagePlace }) => resolveStage(name, body, stagePlace, sink));
}

function resolveStage(name: string, raw: RawStage, place: Place, sink: IssueSink): StageConfig {
  checkName(name, "stage", place, sink);
  let jobs: JobConfig[];
  if (raw.jobs !== undefined) {
    const jobEntries = Object.entries(raw.jobs).map(([jobName, job]) => ({
      name: jobName,
      job,
      place: at(place, "jobs", jobName),
    }));
    if (jobEntries.length === 0)
      sink.add(locationOf(at(place, "jobs")), `stage "${name}" needs at least one job`);
    checkUniqueNames(jobEntries, "job", sink);
    jobs = jobEntries.map((entry) => resolveJob(entry.name, entry.job, entry.place, sink));
    // A job's own role wins over its stage's.
    if (raw.role !== undefined) for (const job of jobs) job.role ??= raw.role;
    if (raw.id_tokens !== undefined)
      sink.add(
        locationOf(at(place, "id_tokens")),
        "id_tokens belongs on each job that needs a token (or on a single-job stage), not on a stage with jobs",
      );
  } else {
    // Single-job stage: the job has the stage's name and the job keys written on the stage.
    const { environment_variables: _plain, secure_variables: _secure, ...jobKeys } = raw;
    jobs = [resolveJob(name, { ...jobKeys, tasks: raw.tasks ?? [] }, place, sink, false)];
  }
  return {
    name,
    approval: resolveApproval(raw, place, sink),
    cleanWorkspace: toBoolean(raw.clean_workspace, true),
    fetchMaterials: toBoolean(raw.fetch_materials, true),
    keepArtifacts: toBoolean(raw.keep_artifacts, false),
    environmentVariables: resolveVariables(raw.environment_variables, raw.secure_variables, place, sink),
    jobs,
    ...(raw.role !== undefined ? { role: raw.role } : {}),
    location: locationOf(place),
  };
}

function resolveApproval(raw: RawStage, place: Place, sink: IssueSink): ApprovalConfig {
  if (raw.approval !== undefined && raw.manual_approval !== undefined) {
    sink.add(
      locationOf(at(place, "manual_approval")),
      'give "approval" or the legacy "manual_approval", not both',
    );
  }
  const approval = raw.approval;
  if (approval === undefined) {
    const manual = toBoolean(raw.manual_approval, false);
    return { type: manual ? "manual" : "success", allowOnlyOnSuccess: false, users: [], roles: [] };
  }
  if (typeof approval === "string") {
    return {
      type: approval === "manual" ? "manual" : "success",
      allowOnlyOnSuccess: false,
      users: [],
      roles: [],
    };
  }
  return {
    type: approval.type === "manual" ? "manual" : "success",
    allowOnlyOnSuccess: toBoolean(approval.allow_only_on_success, false),
    users: approval.users ?? [],
    roles: approval.roles ?? [],
  };
}

function resolveJob(
  name: string,
  raw: RawJob,
  place: Place,
  sink: IssueSink,
  checkJobName = true,
): JobConfig {
  if (checkJobName) checkName(name, "job", place, sink);
  const tasksPlace = at(place, "tasks");
  const tasks = flattenWithPlaces<RawTask>(raw.tasks as RawTaskList, tasksPlace).map(
    ({ item, place: taskPlace }) => resolveTask(item, taskPlace, sink),
  );
  if (tasks.length === 0) sink.add(locationOf(tasksPlace), `job "${name}" needs at least one task`);
  const artifacts: ArtifactConfig[] = [];
  const externalArtifacts: NonNullable<JobConfig["externalArtifacts"]> = [];
  (raw.artifacts ?? []).forEach((artifact, index) => {
    const artifactPlace = at(place, "artifacts", index);
    if (artifact.external !== undefined)
      externalArtifacts.push(resolveExternalArtifact(artifact.external, at(artifactPlace, "external"), sink));
    else artifacts.push(resolveArtifact(artifact, artifactPlace, sink));
  });
  checkUniqueNames(
    externalArtifacts.map((artifact) => ({ name: artifact.id, place: sink.places.get(artifact)! })),
    "external artifact id",
    sink,
  );
  const environmentVariables = resolveVariables(raw.environment_variables, raw.secure_variables, place, sink);
  const idTokens = resolveIdTokens(raw.id_tokens, environmentVariables, at(place, "id_tokens"), sink);
  return {
    name,
    resources: raw.resources ?? [],
    timeoutMinutes: raw.timeout ?? null,
    environmentVariables,
    runInstances: raw.run_instances ?? null,
    tasks,
    artifacts,
    ...(externalArtifacts.length > 0 ? { externalArtifacts } : {}),
    ...(raw.role !== undefined ? { role: raw.role } : {}),
    ...(idTokens.length > 0 ? { idTokens } : {}),
    location: locationOf(place),
  };
}

const idTokenVariable = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `id_tokens:` (NAME → {aud}): names a shell can expand, 1..n audiences of 1–255 characters each. */
function resolveIdTokens(
  raw: RawJob["id_tokens"],
  variables: readonly Variable[],
  place: Place,
  sink: IssueSink,
): IdTokenConfig[] {
  const tokens: IdTokenConfig[] = [];
  for (const [variable, { aud }] of Object.entries(raw ?? {})) {
    const tokenPlace = at(place, variable);
    if (!idTokenVariable.test(variable))
      sink.add(
        locationOf(tokenPlace),
        `invalid ID token variable name "${variable}": use letters, digits and _, not starting with a digit`,
      );
    else if (variables.some((v) => v.name === variable))
      sink.add(locationOf(tokenPlace), `"${variable}" is also an environment variable of this job`);
    const audiences = typeof aud === "string" ? [aud] : aud;
    if (audiences.length === 0) sink.add(locationOf(at(tokenPlace, "aud")), "an ID token needs an audience");
    audiences.forEach((audience, index) => {
      if (audience.length === 0 || audience.length > 255)
        sink.add(
          locationOf(typeof aud === "string" ? at(tokenPlace, "aud") : at(tokenPlace, "aud", index), "value"),
          "an audience must be 1–255 characters",
        );
    });
    tokens.push({ variable, audiences: [...new Set(audiences)] });
  }
  return tokens;
}

function resolveArtifact(
  raw: Omit<NonNullable<RawJob["artifacts"]>[number], "external">,
  place: Place,
  sink: IssueSink,
): ArtifactConfig {
  const type = raw.build !== undefined ? "build" : "test";
  const body = raw.build ?? raw.test!;
  const bodyPlace = at(place, type);
  checkInside(body.source, "source", at(bodyPlace, "source"), sink);
  checkInside(body.destination ?? "", "destination", at(bodyPlace, "destination"), sink);
  return { type, source: body.source, destination: body.destination ?? "" };
}

type OnCancelTask = NonNullable<NonNullable<RawTask["exec"]>["on_cancel"]>;

function resolveTask(raw: RawTask | OnCancelTask, place: Place, sink: IssueSink): TaskConfig {
  const onCancel = (cancel: OnCancelTask | undefined, bodyPlace: Place) =>
    cancel === undefined ? null : resolveTask(cancel, at(bodyPlace, "on_cancel"), sink);
  if (raw.script !== undefined) {
    return {
      kind: "exec",
      command: scriptShell,
      arguments: ["-c", raw.script],
      workingDirectory: "",
      runIf: runIfOf(raw.run_if),
      onCancel: onCancel("on_cancel" in raw ? raw.on_cancel : undefined, place),
    };
  }
  if (raw.exec !== undefined) {
    const exec = raw.exec;
    const execPlace = at(place, "exec");
    if (exec.command.trim() === "")
      sink.add(locationOf(at(execPlace, "command"), "value"), '"command" must not be empty');
    const workingDirectory = exec.working_directory ?? "";
    checkInside(workingDirectory, "working_directory", at(execPlace, "working_directory"), sink);
    return {
      kind: "exec",
      command: exec.command,
      arguments: (exec.arguments ?? []).map(String),
      workingDirectory,
      runIf: runIfOf(exec.run_if),
      onCancel: onCancel("on_cancel" in exec ? exec.on_cancel : undefined, execPlace),
    };
  }
  const fetch = raw.fetch!;
  const fetchPlace = at(place, "fetch");
  if (fetch.artifact_origin === "external") {
    const task = resolveExternalFetch(fetch, fetchPlace, sink, runIfOf(fetch.run_if));
    task.onCancel = onCancel("on_cancel" in fetch ? fetch.on_cancel : undefined, fetchPlace);
    return task;
  }
  for (const key of ["artifact_id", "configuration"] as const)
    if (fetch[key] !== undefined)
      sink.add(locationOf(at(fetchPlace, key)), `"${key}" needs artifact_origin: external`);
  if (fetch.source === undefined) {
    sink.add(locationOf(fetchPlace), 'a fetch needs "source" (or artifact_origin: external)');
  }
  checkInside(fetch.source ?? "", "source", at(fetchPlace, "source"), sink);
  checkInside(fetch.destination ?? "", "destination", at(fetchPlace, "destination"), sink);
  const task: TaskConfig = {
    kind: "fetch",
    pipelinePath: fetch.pipeline === undefined || fetch.pipeline === "" ? null : fetch.pipeline,
    stage: fetch.stage,
    job: fetch.job,
    source: fetch.source ?? "",
    destination: fetch.destination ?? "",
    isFile: toBoolean(fetch.is_file, false),
    runIf: runIfOf(fetch.run_if),
    onCancel: onCancel("on_cancel" in fetch ? fetch.on_cancel : undefined, fetchPlace),
  };
  sink.places.set(task, fetchPlace);
  return task;
}

function runIfOf(value: RunIf | undefined): RunIf[] {
  return [value ?? "passed"];
}
