/**
 * REST DTOs under /api/v1 (request bodies are validated by these schemas; the OpenAPI document at
 * /api/v1/openapi.json is generated from them). Every route except /health and /webhooks/git needs
 * `Authorization: Bearer <api token>`.
 */
import { z } from "zod";

const name = z.string().min(1).max(255);
const result = z.enum(["building", "passed", "failed", "cancelled"]);

export const Health = z.object({ status: z.literal("ok"), version: z.string() });
export type Health = z.infer<typeof Health>;

export const JobRunDto = z.object({
  name,
  state: z.enum(["scheduled", "assigned", "preparing", "building", "completing", "completed"]),
  result: z.enum(["passed", "failed", "cancelled", "unknown"]),
  agent: z.string().nullable(),
  /** Why a scheduled job is still waiting, in words (no agent with resources X, …). */
  waitingReason: z.string().nullable(),
  scheduledAt: z.number().int(),
  /** When an agent took the job (null while scheduled). */
  assignedAt: z.number().int().nullable(),
  completedAt: z.number().int().nullable(),
});
export type JobRunDto = z.infer<typeof JobRunDto>;

export const StageRunDto = z.object({
  name,
  counter: z.number().int(),
  result,
  approvalType: z.enum(["success", "manual"]),
  approvedBy: z.string().nullable(),
  rerunOfCounter: z.number().int().nullable(),
  scheduledAt: z.number().int(),
  completedAt: z.number().int().nullable(),
  jobs: z.array(JobRunDto),
  /**
   * This stage run came before the latest run of an earlier stage of the same pipeline run (that stage was rerun
   * since): its result belongs to the run's previous pass, and the stage has not run in this pass yet. Example:
   * `deploy` (manual) was cancelled, then `test` was rerun and passed: deploy's stage run 1 stays `cancelled`
   * and is stale, and the run waits at deploy's approval again (`awaitingApproval`), as GoCD does
   * (docs/states.md, "Rerunning a stage"). Show it as history of the gate, not as the stage's state. This server
   * always sends it; absent (an older server) means unknown.
   */
  stale: z.boolean().optional(),
});
export type StageRunDto = z.infer<typeof StageRunDto>;

export const MaterialRevisionDto = z.object({
  material: name,
  type: z.enum(["git", "dependency"]),
  /** Git SHA, or `pipeline/counter/stage/stageCounter` for a dependency. */
  revision: z.string(),
  /** Upstream run's label for a dependency, commit subject for git. */
  description: z.string(),
  changed: z.boolean(),
});
export type MaterialRevisionDto = z.infer<typeof MaterialRevisionDto>;

export const PipelineRunDto = z.object({
  counter: z.number().int(),
  label: z.string(),
  result,
  trigger: z.object({ kind: z.enum(["material", "manual", "upstream", "timer"]), user: z.string() }),
  /** Stages in config order; stages not reached yet are absent; `awaitingApproval` names the stage that waits. */
  stages: z.array(StageRunDto),
  awaitingApproval: z.string().nullable(),
  materials: z.array(MaterialRevisionDto),
  createdAt: z.number().int(),
});
export type PipelineRunDto = z.infer<typeof PipelineRunDto>;

/** A variable a manual trigger may override: one the pipeline (or a stage, job or its environment) declares. */
export const TriggerVariableDto = z.object({
  name,
  /** Declared secure at some level: its value is never sent, and a value given at trigger time is secret too. */
  secure: z.boolean(),
  /** The declared plain value; null when secure or when levels declare different values. */
  value: z.string().nullable(),
});
export type TriggerVariableDto = z.infer<typeof TriggerVariableDto>;

/** `fawkes status PIPELINE --json` prints this; newest run first. Acceptance checks rely on its shape. */
export const PipelineStatusDto = z.object({
  pipeline: name,
  group: z.string(),
  paused: z.boolean(),
  pauseReason: z.string().nullable(),
  locked: z.boolean(),
  /**
   * The only variables a trigger may set (`TriggerRequest.variables`), sorted by name; empty for a pipeline no
   * longer in the config. Defaults to empty so that a client reading an older server's answer still parses it.
   */
  triggerVariables: z.array(TriggerVariableDto).default([]),
  runs: z.array(PipelineRunDto),
  /**
   * The pipeline has runs but no config any more (its file was removed, or the server restarted with other
   * `--pipelines`): its history is readable, and trigger, pause, unpause, approve and rerun answer 409
   * FAWKES_PIPELINE_ARCHIVED. `group` is then the group of its latest run. Back in the config, it is active
   * again with its history. This server always sends it; absent (an older server) means false.
   */
  archived: z.boolean().optional(),
});
export type PipelineStatusDto = z.infer<typeof PipelineStatusDto>;

export const PipelineSummaryDto = z.object({
  name,
  group: z.string(),
  paused: z.boolean(),
  stages: z.array(name),
  /** The only variables a trigger may set, sorted by name; defaults to empty, as in PipelineStatusDto. */
  triggerVariables: z.array(TriggerVariableDto).default([]),
  latest: PipelineRunDto.nullable(),
  /**
   * No longer in the config (as in PipelineStatusDto.archived): `group` and `stages` are those of its latest
   * run, `triggerVariables` is empty, and it cannot be triggered. Only in PipelineListDto.archived. This server
   * always sends it; absent (an older server) means false.
   */
  archived: z.boolean().optional(),
});
export type PipelineSummaryDto = z.infer<typeof PipelineSummaryDto>;

export const PipelineListDto = z.object({
  /** The configured pipelines, in config order. */
  pipelines: z.array(PipelineSummaryDto),
  /**
   * Pipelines with runs whose config is gone (`archived: true`), by name: listed apart so that a dashboard shows
   * them apart (or not at all). Defaults to empty (an older server's answer).
   */
  archived: z.array(PipelineSummaryDto).default([]),
});
export type PipelineListDto = z.infer<typeof PipelineListDto>;

export const TriggerRequest = z.strictObject({
  /** Material name → git revision (full or abbreviated SHA) to build instead of the latest. */
  revisions: z.record(z.string(), z.string().min(1)).default({}),
  /**
   * Values for this run only. Each name must be a variable the pipeline declares (at the pipeline, a stage, a
   * job or its environment: `PipelineSummaryDto.triggerVariables`), else 400 FAWKES_UNDECLARED_VARIABLE; the
   * value replaces the declared one wherever it is declared, and stays secret if it is declared secure.
   */
  variables: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string()).default({}),
});
export type TriggerRequest = z.infer<typeof TriggerRequest>;
export const TriggerResponse = z.object({ pipeline: name, counter: z.number().int(), label: z.string() });
export type TriggerResponse = z.infer<typeof TriggerResponse>;

export const PauseRequest = z.strictObject({ reason: z.string().max(1000).default("") });
export type PauseRequest = z.infer<typeof PauseRequest>;

export const RerunRequest = z.strictObject({
  /** Only these jobs (default: all jobs of the stage). */
  jobs: z.array(name).default([]),
});
export type RerunRequest = z.infer<typeof RerunRequest>;
export const RerunResponse = z.object({ stage: name, counter: z.number().int() });
export type RerunResponse = z.infer<typeof RerunResponse>;

export const AgentDto = z.object({
  id: z.string(),
  name,
  hostname: z.string(),
  state: z.enum(["pending", "idle", "building", "lost", "disabled"]),
  resources: z.array(z.string()),
  environments: z.array(z.string()),
  /** `pipeline/counter/stage/stageCounter/job` of the job it runs. */
  currentJob: z.string().nullable(),
  lastHeartbeatAt: z.number().int().nullable(),
  registeredAt: z.number().int(),
  /** The role (name or ARN) its jobs assume when they name none (`fawkes agents set-role`); null: none. */
  role: z.string().nullable(),
});
export type AgentDto = z.infer<typeof AgentDto>;
export const AgentListDto = z.object({ agents: z.array(AgentDto) });
export type AgentListDto = z.infer<typeof AgentListDto>;
export const AgentUpdateRequest = z.strictObject({ resources: z.array(name).max(100) });
/**
 * PUT /api/v1/agents/:name/role: the role its jobs assume when they name none, or null for none. The role's
 * trust policy must allow `ec2.amazonaws.com`, and the caller must be allowed `iam:PassRole` on it.
 */
export const AgentRoleRequest = z.strictObject({
  role: z
    .string()
    .regex(
      /^(?:[\w+=,.@-]{1,64}|arn:aws:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*[\w+=,.@-]{1,64})$/,
      "must be an IAM role name or a role ARN",
    )
    .nullable(),
});
export type AgentRoleRequest = z.infer<typeof AgentRoleRequest>;
export type AgentUpdateRequest = z.infer<typeof AgentUpdateRequest>;

export const NotifyRequest = z.strictObject({
  url: z.string().min(1).max(4096),
  branch: z.string().optional(),
});
export type NotifyRequest = z.infer<typeof NotifyRequest>;
/** How many watched git materials and config sources matched the URL; each is checked now. */
export const NotifyResponse = z.object({ materials: z.number().int(), configSources: z.number().int() });
export type NotifyResponse = z.infer<typeof NotifyResponse>;

export const ConfigIssueDto = z.object({
  file: z.string(),
  line: z.number().int(),
  column: z.number().int(),
  message: z.string(),
  /** Config repository URL or local directory the file came from. */
  source: z.string(),
  /**
   * The pipelines the problem concerns, as named in the file: a pipeline that never had a valid version is
   * named here too, although no such pipeline exists (no page, no runs).
   */
  pipelines: z.array(z.string()),
  /**
   * The pipelines that keep running with their last valid version because of this problem (they exist: link
   * them). A name of `pipelines` that is not here has no valid version and is not loaded; a file-level problem
   * (unparsable YAML) lists the pipelines its file defined before. Empty when there is no last valid version
   * to keep running. This server always sends it; absent (an older server) means unknown.
   */
  lastValid: z.array(z.string()).optional(),
});
export type ConfigIssueDto = z.infer<typeof ConfigIssueDto>;
export const ConfigHealthDto = z.object({ errors: z.array(ConfigIssueDto) });
export type ConfigHealthDto = z.infer<typeof ConfigHealthDto>;

/** Server-sent events on GET /api/v1/events (each `data:` is one of these). */
export const ServerEvent = z.discriminatedUnion("type", [
  z.object({ type: z.literal("run"), pipeline: name, counter: z.number().int() }),
  z.object({ type: z.literal("pipeline"), pipeline: name }),
  z.object({ type: z.literal("agent"), agent: z.string() }),
  z.object({ type: z.literal("config") }),
  /** A stack's status, one of its resources' or its events changed (stack name). */
  z.object({ type: z.literal("stack"), stack: z.string() }),
]);
export type ServerEvent = z.infer<typeof ServerEvent>;

/** A commit of a git material between the previous run and this one (GoCD's "changes"). */
export const CommitDto = z.object({
  sha: z.string(),
  subject: z.string(),
  author: z.string(),
  time: z.number().int(),
  files: z.array(z.string()),
});
export type CommitDto = z.infer<typeof CommitDto>;

/** GET …/runs/:counter/changes: per material, what changed since the run before. */
export const RunChangesDto = z.object({
  materials: z.array(
    z.object({
      material: z.string(),
      type: z.enum(["git", "dependency"]),
      from: z.string().nullable(),
      to: z.string(),
      commits: z.array(CommitDto),
    }),
  ),
});
export type RunChangesDto = z.infer<typeof RunChangesDto>;

/**
 * GET …/runs/:counter/vsm: the value stream map of a run — its git materials, every upstream run it was built
 * from and every downstream run built from it (transitively), as a graph.
 */
export const VsmNodeDto = z.object({
  /** `git:<fingerprint>` (redacted url, branch and a keyed hash) or `run:<pipeline>/<counter>`. */
  id: z.string(),
  kind: z.enum(["git", "run"]),
  /** Material name or pipeline name. */
  name: z.string(),
  /** Git: revision; run: label. */
  detail: z.string(),
  /** Runs only. */
  pipeline: z.string().nullable(),
  counter: z.number().int().nullable(),
  result: z.enum(["building", "passed", "failed", "cancelled"]).nullable(),
  stages: z.array(
    z.object({ name: z.string(), result: z.enum(["building", "passed", "failed", "cancelled"]) }),
  ),
  /** 0 = the run asked for; negative = upstream, positive = downstream. */
  level: z.number().int(),
});
export type VsmNodeDto = z.infer<typeof VsmNodeDto>;
export const VsmDto = z.object({
  nodes: z.array(VsmNodeDto),
  edges: z.array(z.object({ from: z.string(), to: z.string() })),
});
export type VsmDto = z.infer<typeof VsmDto>;

/**
 * POST /api/v1/session: log the web UI in, with a user's name and password, or with the bootstrap API token
 * (`<data-dir>/keys/api-token`, the administrator). The answer sets an HttpOnly session cookie and carries the
 * session's CSRF token, which every cookie-authenticated write must send as `x-fawkes-csrf`.
 */
export const SessionRequest = z.union([
  z.strictObject({ user: z.string().min(1).max(64), password: z.string().min(1).max(1024) }),
  z.strictObject({ token: z.string().min(1).max(512) }),
]);
export type SessionRequest = z.infer<typeof SessionRequest>;
export const SessionDto = z.object({
  authenticated: z.boolean(),
  /** The logged-in user (when authenticated). */
  user: z.string().optional(),
  /** Send as the `x-fawkes-csrf` header on every write made with the cookie (when authenticated). */
  csrfToken: z.string().optional(),
});
export type SessionDto = z.infer<typeof SessionDto>;

/**
 * POST /api/v1/api-token/rotate: the new API token, shown only in this answer. The old token and every web UI
 * session stop working at once.
 */
export const ApiTokenDto = z.object({ token: z.string() });
export type ApiTokenDto = z.infer<typeof ApiTokenDto>;

/** An access key of the cloud endpoint (S3 …), as listed: never its secret. */
export const AccessKeyDto = z.object({
  /** `AKIA` + 16 upper-case letters and digits. */
  accessKeyId: z.string(),
  name: z.string(),
  /** The principal the key acts as, e.g. `arn:aws:iam::000000000000:user/admin`. */
  principal: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
});
export type AccessKeyDto = z.infer<typeof AccessKeyDto>;

/** GET /api/v1/credentials. Jobs' temporary keys are not listed. */
export const AccessKeyListDto = z.object({ accessKeys: z.array(AccessKeyDto) });
export type AccessKeyListDto = z.infer<typeof AccessKeyListDto>;

/** POST /api/v1/credentials: a new key acting as IAM user `name`, allowed what `policy` allows. */
export const CreateAccessKeyRequest = z.strictObject({
  /** IAM user name rules: letters, digits and `_+=,.@-`, at most 64. */
  name: z.string().regex(/^[\w+=,.@-]{1,64}$/, "must be 1-64 letters, digits or _+=,.@- (an IAM user name)"),
  /** An IAM identity policy document (`{"Version": "2012-10-17", "Statement": [...]}`). */
  policy: z.record(z.string(), z.unknown()),
});
export type CreateAccessKeyRequest = z.infer<typeof CreateAccessKeyRequest>;

/** 201 answer to POST /api/v1/credentials: the only time the secret is shown. */
export const CreatedAccessKeyDto = AccessKeyDto.extend({ secretAccessKey: z.string() });
export type CreatedAccessKeyDto = z.infer<typeof CreatedAccessKeyDto>;

/** Temporary credentials (an STS session or a job's role session), as listed: never its secret or token. */
export const StsSessionDto = z.object({
  /** `ASIA` + 16 upper-case letters and digits. */
  accessKeyId: z.string(),
  /** `role` (AssumeRole, AssumeRoleWithWebIdentity, a job's role) or `user` (GetSessionToken). */
  kind: z.enum(["role", "user"]),
  roleArn: z.string().nullable(),
  sessionName: z.string(),
  /** `arn:aws:sts::000000000000:assumed-role/ROLE/SESSION`, or the user's ARN. */
  principal: z.string(),
  tags: z.record(z.string(), z.string()),
  sourceIdentity: z.string().nullable(),
  /** Who assumed it: a principal ARN, `PROVIDER-ARN:SUBJECT`, or `job:JOB-RUN-ID`. */
  assumedBy: z.string(),
  jobRunId: z.number().int().nullable(),
  agentId: z.string().nullable(),
  issuedAt: z.number().int(),
  expiresAt: z.number().int(),
  revokedAt: z.number().int().nullable(),
});
export type StsSessionDto = z.infer<typeof StsSessionDto>;

/** GET /api/v1/credentials/sessions?all=true&role=NAME: live sessions (every session with `all`), newest first. */
export const StsSessionListDto = z.object({ sessions: z.array(StsSessionDto) });
export type StsSessionListDto = z.infer<typeof StsSessionListDto>;

/** GET /api/v1/credentials/sessions query. */
export const StsSessionListQuery = z.strictObject({
  /** `true`: expired and revoked sessions too. */
  all: z.enum(["true", "false"]).optional(),
  /** Only this role's sessions (name or ARN). */
  role: z.string().min(1).optional(),
});
export type StsSessionListQuery = z.infer<typeof StsSessionListQuery>;

/** POST /api/v1/credentials/sessions/revoke: exactly one of a session, a role's sessions, or all. */
export const RevokeSessionsRequest = z.union([
  z.strictObject({ session: z.string().regex(/^ASIA[A-Z2-7]{16}$/, "must be an ASIA… access key id") }),
  z.strictObject({ role: z.string().min(1) }),
  z.strictObject({ all: z.literal(true) }),
]);
export type RevokeSessionsRequest = z.infer<typeof RevokeSessionsRequest>;

/** The sessions revoked (live ones only: expired and already revoked sessions are not counted). */
export const RevokedSessionsDto = z.object({ revoked: z.array(z.string()) });
export type RevokedSessionsDto = z.infer<typeof RevokedSessionsDto>;

/** A bucket of the cloud endpoint; `createdAt` in epoch milliseconds. */
export const BucketDto = z.object({ name: z.string(), createdAt: z.number().int() });
export type BucketDto = z.infer<typeof BucketDto>;
/** GET /api/v1/buckets. */
export const BucketListDto = z.object({ buckets: z.array(BucketDto) });
export type BucketListDto = z.infer<typeof BucketListDto>;

/** One object as listed; `lastModified` in epoch milliseconds. */
export const ObjectSummaryDto = z.object({
  key: z.string(),
  size: z.number().int(),
  lastModified: z.number().int(),
  etag: z.string(),
});
export type ObjectSummaryDto = z.infer<typeof ObjectSummaryDto>;
/** GET /api/v1/buckets/:bucket/objects: one level of a prefix ("folders" then objects), paged. */
export const ObjectListDto = z.object({
  /** Common prefixes, each ending with `/`. */
  prefixes: z.array(z.string()),
  objects: z.array(ObjectSummaryDto),
  /** Pass as `continuation` for the next page; null on the last one. */
  nextContinuation: z.string().nullable(),
});
export type ObjectListDto = z.infer<typeof ObjectListDto>;
/** GET /api/v1/buckets/:bucket/object?key=K. */
export const ObjectDetailsDto = ObjectSummaryDto.extend({
  contentType: z.string(),
  /** User metadata (`x-amz-meta-*`, names without the prefix). */
  metadata: z.record(z.string(), z.string()),
});
export type ObjectDetailsDto = z.infer<typeof ObjectDetailsDto>;

/** An OIDC signing key of the server (its private part never leaves the server, sealed at rest). */
export const OidcKeyDto = z.object({
  /** The JWK `kid` tokens name in their header. */
  kid: z.string(),
  /** `RS256`. */
  algorithm: z.string(),
  createdAt: z.number().int(),
  /** It signs new tokens until then. */
  signsUntil: z.number().int(),
  /** It stays in the JWKS until then, when every token it signed has expired. */
  retireAfter: z.number().int(),
});
export type OidcKeyDto = z.infer<typeof OidcKeyDto>;

/** GET /api/v1/oidc/keys: every key in the JWKS, oldest first (the last one signs). */
export const OidcKeyListDto = z.object({ keys: z.array(OidcKeyDto) });
export type OidcKeyListDto = z.infer<typeof OidcKeyListDto>;

/** GET /.well-known/openid-configuration (OpenID Connect Discovery 1.0, the fields relying parties read). */
export const OidcDiscoveryDto = z.object({
  issuer: z.string(),
  jwks_uri: z.string(),
  response_types_supported: z.array(z.string()),
  subject_types_supported: z.array(z.string()),
  id_token_signing_alg_values_supported: z.array(z.string()),
  claims_supported: z.array(z.string()),
  scopes_supported: z.array(z.string()),
});
export type OidcDiscoveryDto = z.infer<typeof OidcDiscoveryDto>;

/** GET /.well-known/jwks.json (RFC 7517): RSA public keys. */
export const JwksDto = z.object({
  keys: z.array(
    z.object({
      kty: z.string(),
      kid: z.string(),
      alg: z.string(),
      use: z.string(),
      n: z.string(),
      e: z.string(),
    }),
  ),
});
export type JwksDto = z.infer<typeof JwksDto>;
