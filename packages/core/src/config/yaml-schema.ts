/**
 * The GoCD YAML config format (tomzo/gocd-yaml-config-plugin, format_version 1..10) plus Fawkes extensions,
 * as zod schemas. These schemas are the single source of truth: they validate raw YAML, give the raw input
 * types, and generate the committed JSON Schema (schema/gocd-pipeline.schema.json). They hold no transforms:
 * defaults and normalisation happen in the resolve step, so the JSON Schema describes exactly what is written.
 */
import { z } from "zod";
import {
  exactlyOneOf,
  scalarValue,
  singleKeyMap,
  strict,
  variableMap,
  yamlBoolean,
} from "./schema-helpers.ts";

/** GoCD's plugin configuration block; Fawkes stores have no secrets, so `secure_options` is not accepted. */
const pluginConfiguration = strict({ options: z.record(z.string(), scalarValue).optional() });

const runIf = z.enum(["passed", "failed", "any"], { error: "must be one of passed, failed, any" });

const taskKinds = ["exec", "script", "fetch"] as const;

/** The task schema; `on_cancel` takes a task of the same shape minus its own `on_cancel`. */
function taskSchema<T extends z.ZodType>(onCancel: T) {
  const execTask = strict({
    command: z.string(),
    arguments: z.array(z.union([z.string(), z.number()], { error: "must be a string" })).optional(),
    working_directory: z.string().optional(),
    run_if: runIf.optional(),
    on_cancel: onCancel,
  });
  const fetchTask = strict({
    artifact_origin: z.enum(["gocd", "external"], { error: "must be gocd or external" }).optional(),
    pipeline: z.string().optional(),
    stage: z.string(),
    job: z.string(),
    /** Required for `artifact_origin: gocd` (the default). */
    source: z.string().optional(),
    /** `artifact_origin: external`: the `id` of the upstream job's external artifact. */
    artifact_id: z.string().optional(),
    /** `artifact_origin: external`: `options.Destination` is the directory to fetch into. */
    configuration: pluginConfiguration.optional(),
    destination: z.string().optional(),
    is_file: yamlBoolean.optional(),
    run_if: runIf.optional(),
    on_cancel: onCancel,
  });
  return strict({
    exec: execTask.optional(),
    script: z.string().optional(),
    fetch: fetchTask.optional(),
    /** Fawkes extension: `run_if` and `on_cancel` of a `script` task sit beside `script` (it has no map). */
    run_if: runIf.optional(),
    on_cancel: onCancel,
  })
    .refine((value) => exactlyOneOf(value, taskKinds), "a task needs exactly one of exec, script or fetch")
    .superRefine((value, context) => {
      if (value.script !== undefined) return;
      const kind = value.exec !== undefined ? "exec" : value.fetch !== undefined ? "fetch" : undefined;
      if (kind === undefined) return;
      for (const key of ["run_if", "on_cancel"] as const) {
        if ((value as Record<string, unknown>)[key] === undefined) continue;
        context.addIssue({
          code: "custom",
          path: [key],
          message: `"${key}" of ${kind === "exec" ? "an exec" : "a fetch"} task goes inside "${kind}" (${kind}: {..., ${key}: ...}); beside the task kind it is only for script tasks`,
        });
      }
    });
}

/**
 * One task: `exec`, `script` (shorthand for `/bin/sh -c`) or `fetch`, with an optional `on_cancel` task (inside
 * `exec`/`fetch`, beside `script`).
 */
export const task = taskSchema(
  taskSchema(z.never({ error: "an on_cancel task cannot have its own on_cancel" }).optional()).optional(),
);

type TaskInput = z.input<typeof task>;
type TaskListInput = (TaskInput | TaskListInput)[];

/** Tasks in order; nested lists (from YAML aliases such as `- *build_tasks`) are flattened. */
export const taskList: z.ZodType<TaskListInput> = z.array(z.union([task, z.lazy(() => taskList)]));

const artifactBody = strict({ source: z.string(), destination: z.string().optional() });
/** An artifact published to an artifact store: `options.Source` (glob) and `options.Destination` (sub-path). */
const externalArtifact = strict({
  id: z.string(),
  store_id: z.string(),
  configuration: pluginConfiguration.optional(),
});
const artifact = strict({
  build: artifactBody.optional(),
  test: artifactBody.optional(),
  external: externalArtifact.optional(),
}).refine(
  (value) => exactlyOneOf(value, ["build", "test", "external"]),
  "an artifact needs exactly one of build, test or external",
);

/** An IAM role name, or a role's ARN (`arn:aws:iam::000000000000:role/PATH/NAME`). */
const ROLE_REFERENCE = /^(?:[\w+=,.@-]{1,64}|arn:aws:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/;

/**
 * Fawkes extension: the role whose temporary credentials the job gets (docs/config.md, "role"). On a job, a
 * stage or a pipeline; the job's wins over the stage's over the pipeline's.
 */
const role = z
  .string({ error: "must be a role name" })
  .regex(ROLE_REFERENCE, "must be an IAM role name (1-64 letters, digits or _+=,.@-) or a role ARN");
/** Fawkes extension: one OIDC ID token of the job, for the audience(s) `aud`. */
const idToken = strict({
  aud: z.union([z.string(), z.array(z.string())], { error: "must be an audience or a list of audiences" }),
});

const jobShape = {
  role: role.optional(),
  /** Minutes without console output before the job is cancelled; 0 = never. */
  timeout: z.number({ error: "must be a number of minutes" }).min(0, "must be 0 or more minutes").optional(),
  run_instances: z
    .union([z.number().int().positive(), z.literal("all")], { error: 'must be a positive integer or "all"' })
    .optional(),
  environment_variables: variableMap.optional(),
  secure_variables: variableMap.optional(),
  resources: z.array(z.string()).optional(),
  tasks: taskList,
  artifacts: z.array(artifact).optional(),
  /** Accepted for GoCD compatibility; Fawkes has no elastic agents yet and ignores it. */
  elastic_profile_id: z.string().optional(),
  /** Accepted for GoCD compatibility (UI tabs); ignored. */
  tabs: z.record(z.string(), z.string()).optional(),
  /**
   * Fawkes extension: OIDC ID tokens of the job, as secure environment variables (`NAME: {aud: ...}`), like
   * GitLab's `id_tokens` (docs/identity.md).
   */
  id_tokens: z.record(z.string(), idToken).optional(),
};

export const job = strict(jobShape);

const approvalObject = strict({
  type: z.enum(["success", "manual", "auto"], { error: "must be one of success, manual" }),
  allow_only_on_success: yamlBoolean.optional(),
  users: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
});

/** A stage; with `tasks` instead of `jobs` it is a single-job stage whose job has the stage's name. */
export const stage = strict({
  fetch_materials: yamlBoolean.optional(),
  keep_artifacts: yamlBoolean.optional(),
  /** Fawkes default: true (GoCD's is false). */
  clean_workspace: yamlBoolean.optional(),
  approval: z
    .union([z.enum(["success", "manual", "auto"]), approvalObject], {
      error: "must be success, manual or a map with type",
    })
    .optional(),
  manual_approval: yamlBoolean.optional(),
  jobs: z.record(z.string(), job).optional(),
  ...jobShape,
  tasks: taskList.optional(),
}).refine(
  (value) => (value.jobs === undefined) !== (value.tasks === undefined),
  "a stage needs either jobs, or tasks for a single-job stage (not both)",
);

type StageEntryInput = Record<string, z.input<typeof stage>>;
type StageListInput = (StageEntryInput | StageListInput)[];

/** Stages in order, each `- name: {...}`; nested lists (from YAML aliases) are flattened. */
export const stageList: z.ZodType<StageListInput> = z.array(
  z.union([singleKeyMap(stage, "stage"), z.lazy(() => stageList)]),
);

export const gitOrDependencyMaterial = strict({
  type: z.enum(["git", "dependency"], { error: "must be git or dependency" }).optional(),
  git: z.string().optional(),
  url: z.string().optional(),
  branch: z.string().optional(),
  shallow_clone: yamlBoolean.optional(),
  auto_update: yamlBoolean.optional(),
  includes: z.array(z.string()).optional(),
  whitelist: z.array(z.string()).optional(),
  ignore: z.array(z.string()).optional(),
  blacklist: z.array(z.string()).optional(),
  destination: z.string().optional(),
  /** Fawkes extension: one pipeline run per new commit instead of one per batch of commits. */
  run_every_commit: yamlBoolean.optional(),
  /** Fawkes extension: HMAC-SHA256 secret that webhooks for this repository must be signed with. */
  webhook_secret: z.string().optional(),
  pipeline: z.string().optional(),
  stage: z.string().optional(),
  ignore_for_scheduling: yamlBoolean.optional(),
});

const lockBehavior = z.enum(["none", "lockOnFailure", "unlockWhenFinished"], {
  error: "must be one of none, lockOnFailure, unlockWhenFinished",
});

export const pipeline = strict({
  group: z.string().optional(),
  role: role.optional(),
  label_template: z.string().optional(),
  lock_behavior: lockBehavior.optional(),
  locking: yamlBoolean.optional(),
  parameters: z.record(z.string(), scalarValue).optional(),
  environment_variables: variableMap.optional(),
  secure_variables: variableMap.optional(),
  template: z.string().optional(),
  materials: z.record(z.string(), gitOrDependencyMaterial),
  stages: stageList.optional(),
  /** Accepted for GoCD compatibility (dashboard order and issue links); ignored. */
  display_order: z.number().optional(),
  tracking_tool: strict({ link: z.string(), regex: z.string() }).optional(),
});

export const template = strict({ stages: stageList });

export const environment = strict({
  environment_variables: variableMap.optional(),
  secure_variables: variableMap.optional(),
  pipelines: z.array(z.string()).optional(),
  agents: z.array(z.union([z.string(), z.number()])).optional(),
});

const formatVersion = z.union(
  [
    z
      .number()
      .int("must be an integer from 1 to 10")
      .min(1, "must be an integer from 1 to 10")
      .max(10, "must be an integer from 1 to 10"),
    z.enum(["1", "2", "3", "4", "5", "6", "7", "8", "9", "10"]),
  ],
  {
    error: "must be an integer from 1 to 10",
  },
);

/** Fawkes extension: an artifact store (an S3 bucket) that `external` artifacts publish to. */
export const artifactStore = strict({
  type: z.literal("s3", { error: "must be s3" }),
  bucket: z.string(),
  prefix: z.string().optional(),
});

const fileShape = {
  format_version: formatVersion.optional(),
  /** Fawkes extension: named artifact stores; `fawkes` (the server's own bucket) always exists. */
  artifact_stores: z.record(z.string(), artifactStore).nullable().optional(),
  pipelines: z.record(z.string(), pipeline).nullable().optional(),
  templates: z.record(z.string(), template).nullable().optional(),
  environments: z.record(z.string(), environment).nullable().optional(),
  /** A place for YAML anchors; ignored. */
  common: z.unknown().optional(),
};

/** A whole `*.gocd.yaml` file. */
export const configFile = strict(fileShape);

/**
 * The same file checked only at the top: each pipeline, template and environment is then validated on its
 * own, so one invalid pipeline never hides the valid ones beside it.
 */
export const configFileShallow = strict({
  ...fileShape,
  pipelines: z.record(z.string(), z.unknown()).nullable().optional(),
  templates: z.record(z.string(), z.unknown()).nullable().optional(),
  environments: z.record(z.string(), z.unknown()).nullable().optional(),
  artifact_stores: z.record(z.string(), z.unknown()).nullable().optional(),
});

export type RawPipeline = z.infer<typeof pipeline>;
export type RawTemplate = z.infer<typeof template>;
export type RawEnvironment = z.infer<typeof environment>;
export type RawStage = z.infer<typeof stage>;
export type RawJob = z.infer<typeof job>;
export type RawTask = z.infer<typeof task>;
export type RawTaskList = TaskListInput;
export type RawStageList = StageListInput;
export type RawArtifactStore = z.infer<typeof artifactStore>;
export type RawMaterial = z.infer<typeof gitOrDependencyMaterial>;
