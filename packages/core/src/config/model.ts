/**
 * The domain model of pipeline configuration: what the GoCD YAML parser produces after templates,
 * parameters and defaults are resolved. Frozen plain data; the scheduler reads only this.
 */
import type { RunIf } from "@fawkes/protocol";

/** Where a config element came from, for `file:line:column: message` errors. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

export interface ConfigIssue extends SourceLocation {
  message: string;
  /** Pipelines this issue affects (empty if unknown or file-wide). */
  pipelines: string[];
}

export interface Variable {
  name: string;
  value: string;
  /** From `secure_variables`: masked in logs and never returned by the API. */
  secure: boolean;
}

export interface GitMaterial {
  type: "git";
  /** Material name (explicit key, or derived from the URL as GoCD does). Used for GO_REVISION_<NAME>. */
  name: string;
  url: string;
  /** @default "master" */
  branch: string;
  /** @default false */
  shallowClone: boolean;
  /** @default true */
  autoUpdate: boolean;
  /** Only changes touching these globs trigger (GoCD `includes`, mutually exclusive with `ignore`). */
  includes: string[];
  /** Changes touching only these globs do not trigger. */
  ignore: string[];
  /** Checkout directory relative to the job's working directory; "" = the working directory itself. */
  destination: string;
  /** Fawkes extension `run_every_commit`: one run per new commit instead of one per batch. @default false */
  runEveryCommit: boolean;
  /** Fawkes extension: webhook HMAC secret (`webhook_secret`). */
  webhookSecret: string | null;
}

export interface DependencyMaterial {
  type: "dependency";
  /** Material name; GO_DEPENDENCY_LABEL_<NAME> uses it. @default the upstream pipeline name */
  name: string;
  pipeline: string;
  stage: string;
  /** @default false */
  ignoreForScheduling: boolean;
}

export type MaterialConfig = GitMaterial | DependencyMaterial;

export interface ExecTaskConfig {
  kind: "exec";
  command: string;
  arguments: string[];
  /** @default "" */
  workingDirectory: string;
  /** @default ["passed"] */
  runIf: RunIf[];
  onCancel: TaskConfig | null;
}

export interface FetchTaskConfig {
  kind: "fetch";
  /** GoCD `pipeline:` path such as `upstream` or `a/b/upstream`; null = this pipeline. */
  pipelinePath: string | null;
  stage: string;
  job: string;
  source: string;
  /** @default "" */
  destination: string;
  /** @default false (`source` is a directory) */
  isFile: boolean;
  /** `artifact_origin: external`: fetch this external artifact (then `source` is "" and `isFile` false). */
  external?: { artifactId: string };
  runIf: RunIf[];
  onCancel: TaskConfig | null;
}

export type TaskConfig = ExecTaskConfig | FetchTaskConfig;

export interface ArtifactConfig {
  type: "build" | "test";
  source: string;
  /** @default "" */
  destination: string;
}

/** An `external` artifact, bound to its store's bucket when the config is loaded. */
export interface ExternalArtifactConfig {
  id: string;
  storeId: string;
  bucket: string;
  /** Key prefix inside the bucket, without leading or trailing `/`; "" for none. */
  prefix: string;
  /** `configuration.options.Source`: glob relative to the working directory. */
  source: string;
  /** `configuration.options.Destination`: sub-path under the artifact's key; "" for none. */
  destination: string;
}

/** A Fawkes artifact store (top-level `artifact_stores`); `fawkes` is built in. */
export interface ArtifactStoreConfig {
  id: string;
  type: "s3";
  bucket: string;
  prefix: string;
  location: SourceLocation | null;
}

export interface JobConfig {
  name: string;
  resources: string[];
  /** GoCD: minutes without console output; null = server default; 0 = never. */
  timeoutMinutes: number | null;
  environmentVariables: Variable[];
  /** null = one instance; N = N instances `name-runInstance-i`; "all" = one per matching agent. */
  runInstances: number | "all" | null;
  tasks: TaskConfig[];
  artifacts: ArtifactConfig[];
  /** Present only when the job has `external` artifacts (keeps older snapshots unchanged). */
  externalArtifacts?: ExternalArtifactConfig[];
  /**
   * Fawkes extension `role:`: the role (name or ARN) whose temporary credentials the job gets, already resolved
   * (the job's, else its stage's, else its pipeline's). Absent: the role of the agent it runs on, if any.
   */
  role?: string;
  /** Fawkes's `id_tokens:`; present only when the job has some (keeps older snapshots unchanged). */
  idTokens?: IdTokenConfig[];
  location: SourceLocation;
}

/** An OIDC ID token a job gets at assignment, as the secure variable `variable`. */
export interface IdTokenConfig {
  variable: string;
  /** 1..n, each 1–255 characters. */
  audiences: string[];
}

export interface ApprovalConfig {
  /** "success" runs the stage automatically when the previous one passes; "manual" waits for approval. */
  type: "success" | "manual";
  /** Manual approval allowed only if the previous stage passed. @default false */
  allowOnlyOnSuccess: boolean;
  users: string[];
  roles: string[];
}

export interface StageConfig {
  name: string;
  approval: ApprovalConfig;
  /** GoCD default is false; Fawkes defaults to true (every job starts in a clean directory). */
  cleanWorkspace: boolean;
  /** @default true */
  fetchMaterials: boolean;
  /** @default false */
  keepArtifacts: boolean;
  environmentVariables: Variable[];
  jobs: JobConfig[];
  /** Fawkes extension `role:` written on the stage (its jobs' `role` already includes it). */
  role?: string;
  location: SourceLocation;
}

export type LockBehavior = "none" | "lockOnFailure" | "unlockWhenFinished";

export interface PipelineConfig {
  name: string;
  /** @default "defaultGroup" */
  group: string;
  /** @default "${COUNT}" */
  labelTemplate: string;
  /** @default "none" */
  lockBehavior: LockBehavior;
  environmentVariables: Variable[];
  materials: MaterialConfig[];
  stages: StageConfig[];
  /** Name of the environment this pipeline belongs to, if any. */
  environment: string | null;
  /** Fawkes extension `role:` written on the pipeline (its jobs' `role` already includes it). */
  role?: string;
  location: SourceLocation;
}

export interface EnvironmentConfig {
  name: string;
  environmentVariables: Variable[];
  pipelines: string[];
  agents: string[];
  location: SourceLocation;
}

/** The merged, validated configuration of every source. */
export interface ConfigSnapshot {
  pipelines: PipelineConfig[];
  environments: EnvironmentConfig[];
  /** Declared artifact stores plus the built-in `fawkes` store. */
  artifactStores?: ArtifactStoreConfig[];
  issues: ConfigIssue[];
}
