/**
 * The agent protocol (HTTP, JSON) under /agent/v1. The agent never reads pipeline config: the server sends
 * a fully resolved job. Every request after registration carries `Authorization: Bearer <agent token>`.
 *
 * Lifecycle:
 *  1. POST /agent/v1/register (RegisterRequest → RegisterResponse). The agent keeps {agentId, token} in its
 *     work dir and re-registers with them after a restart (the server answers with the same token: idempotent).
 *     An identity the server does not know is 401 FAWKES_AGENT_IDENTITY_UNKNOWN: register without it. A new
 *     registration under a name a record holds is 409 FAWKES_AGENT_NAME_TAKEN. Pending until an admin enables
 *     it, unless it used the server's auto-register key.
 *  2. POST /agent/v1/work (WorkRequest) long-polls up to `waitMs`: 200 WorkResponse with a JobAssignment,
 *     or 200 WorkResponse with `job: null` when the wait ends without work (or with `prefetch` hints). The same call is the heartbeat
 *     while idle; POST /agent/v1/heartbeat is sent while building.
 *  3. While the job runs: POST /agent/v1/jobs/:jobRunId/state, POST .../console (text body, secrets already
 *     masked; when its lines were read: AgentHeader.consoleLineTimes, optional, and consoleTime),
 *     PUT .../artifacts/<path> (streamed body, header x-fawkes-sha256), POST .../wait-cancel (long poll:
 *     answers `{cancel: true}` as soon as the job is cancelled), then POST .../complete. Every job call carries the lease id (`x-fawkes-lease` header); a call with a lease
 *     that is no longer current answers 409 FAWKES_LEASE_LOST and the agent must stop the job (fencing).
 *  4. GET /agent/v1/artifacts/<pipeline>/<counter>/<stage>/<stageCounter>/<job>/manifest?path=P lists files
 *     (ArtifactManifest); GET .../files/<path> streams one file.
 */
import { z } from "zod";
import { JobResult, RunIf } from "./states.ts";

export { AGENT_PROTOCOL_VERSION, AgentHeader } from "./constants.ts";

export const AgentId = z.string().min(1).max(64).brand<"AgentId">();
export type AgentId = z.infer<typeof AgentId>;
export const JobRunId = z.number().int().positive().brand<"JobRunId">();
export type JobRunId = z.infer<typeof JobRunId>;
export const LeaseId = z.string().min(1).max(64).brand<"LeaseId">();
export type LeaseId = z.infer<typeof LeaseId>;

const name = z.string().min(1).max(255);

export const RegisterRequest = z.strictObject({
  protocolVersion: z.number().int(),
  /** The registration key (`fawkes agent --key`). The auto-register key registers the agent enabled. */
  key: z.string().min(1).max(512),
  name: name.regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only"),
  hostname: z.string().max(255),
  resources: z.array(name).max(100),
  environments: z.array(name).max(100).default([]),
  /** Identity from an earlier registration, to keep the same agent record. */
  agentId: AgentId.optional(),
  token: z.string().max(512).optional(),
  /** Leases of jobs this agent is still running (re-attach after a server restart or network loss). */
  runningLeases: z.array(LeaseId).max(16).default([]),
  /**
   * `fawkes agent --role ROLE`: the role (name or ARN) its jobs without a role of their own assume. Its trust
   * policy must allow `ec2.amazonaws.com`; absent: the agent keeps the role it has (none when new).
   */
  role: z.string().min(1).max(2048).optional(),
});
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const RegisterResponse = z.object({
  agentId: AgentId,
  token: z.string(),
  state: z.enum(["pending", "idle", "building", "lost", "disabled"]),
  /** How often to send heartbeats while building. @default 5000 */
  heartbeatIntervalMs: z.number().int().positive(),
  /** Leases from `runningLeases` that the server no longer honours: stop those jobs. */
  revokedLeases: z.array(LeaseId),
});
export type RegisterResponse = z.infer<typeof RegisterResponse>;

export const WorkRequest = z.strictObject({
  /** How long the server may hold the request open when there is no work. */
  waitMs: z.number().int().min(0).max(60_000).default(25_000),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

export const JobLocator = z.object({
  pipeline: name,
  counter: z.number().int().positive(),
  stage: name,
  stageCounter: z.number().int().positive(),
  job: name,
});
export type JobLocator = z.infer<typeof JobLocator>;

export const EnvVar = z.object({ name: z.string().min(1), value: z.string(), secure: z.boolean() });
export type EnvVar = z.infer<typeof EnvVar>;

export const GitCheckout = z.object({
  /** Material name used for GO_REVISION_<NAME> etc. (already included in `environment`). */
  name: name,
  /** The repository URL without user info: it names the agent's mirror and is written as the workspace's origin. */
  url: z.string().min(1),
  /**
   * Credentials the URL carried in the config, for this job only: the agent gives them to git through a
   * credential helper that reads them from its memory while the job runs, never through a URL, a file or argv.
   */
  credentials: z.object({ username: z.string(), password: z.string() }).optional(),
  branch: z.string().min(1),
  revision: z.string().regex(/^[0-9a-f]{40}$/),
  /** Directory relative to the job's working directory; "" for the root. Never escapes it. */
  destination: z.string(),
  shallowClone: z.boolean(),
});
export type GitCheckout = z.infer<typeof GitCheckout>;

const runIf = z.array(z.enum([RunIf.passed, RunIf.failed, RunIf.any])).min(1);

export const ExecTask = z.object({
  kind: z.literal("exec"),
  command: z.string().min(1),
  arguments: z.array(z.string()),
  /** Relative to the job's working directory; never escapes it. */
  workingDirectory: z.string(),
  runIf,
  get onCancel() {
    return z.union([ExecTask, FetchTask]).nullable();
  },
});
export type ExecTask = z.infer<typeof ExecTask>;

export const FetchTask = z.object({
  kind: z.literal("fetch"),
  /** The exact job run to fetch from, resolved by the server. */
  from: JobLocator,
  /** Path inside that job's artifacts. */
  source: z.string().min(1),
  /** Directory relative to the working directory. */
  destination: z.string(),
  isFile: z.boolean(),
  /**
   * Set for `artifact_origin: external`: fetch this external artifact of `from` (then `source` is the artifact
   * id) through GET /agent/v1/external-artifacts/<locator>/<artifactId>/manifest and …/files/<path>.
   */
  external: z.object({ artifactId: name }).optional(),
  runIf,
  get onCancel() {
    return z.union([ExecTask, FetchTask]).nullable();
  },
});
export type FetchTask = z.infer<typeof FetchTask>;

export const Task = z.discriminatedUnion("kind", [ExecTask, FetchTask]);
export type Task = z.infer<typeof Task>;

export const ArtifactSpec = z.object({
  type: z.enum(["build", "test"]),
  /** Glob relative to the working directory (GoCD semantics: `**` allowed). */
  source: z.string().min(1),
  /** Directory inside the job's artifacts; "" for the root. */
  destination: z.string(),
});
export type ArtifactSpec = z.infer<typeof ArtifactSpec>;

/**
 * An artifact published to an artifact store at job end: the files `source` matches are PUT to
 * /agent/v1/jobs/:jobRunId/external-artifacts/<id>/<path> (streamed, x-fawkes-sha256); the server stores
 * them in the store's bucket under `<destination>/<path>`.
 */
export const ExternalArtifactSpec = z.object({
  id: name,
  /** Glob relative to the working directory (same rules as build artifacts). */
  source: z.string().min(1),
  /** Sub-path under the artifact's key; "" for none. */
  destination: z.string(),
});
export type ExternalArtifactSpec = z.infer<typeof ExternalArtifactSpec>;

/** Temporary credentials of the role a job runs with (STS's four fields, plus the role). */
export const RoleCredentials = z.object({
  roleArn: z.string(),
  roleName: z.string(),
  accessKeyId: z.string(),
  secretAccessKey: z.string(),
  sessionToken: z.string(),
  /** Epoch ms. */
  expiration: z.number().int(),
});
export type RoleCredentials = z.infer<typeof RoleCredentials>;

export const JobAssignment = z.object({
  leaseId: LeaseId,
  jobRunId: JobRunId,
  locator: JobLocator,
  label: z.string(),
  /** Final environment for every task, GoCD variables and user variables merged by precedence. */
  environment: z.array(EnvVar),
  materials: z.array(GitCheckout),
  fetchMaterials: z.boolean(),
  cleanWorkspace: z.boolean(),
  tasks: z.array(Task),
  artifacts: z.array(ArtifactSpec),
  /** External artifacts to publish at job end; absent = none. */
  externalArtifacts: z.array(ExternalArtifactSpec).optional(),
  /** Kill the job after this long without console output; null = never. */
  noOutputTimeoutMs: z.number().int().positive().nullable(),
  /**
   * The job's role credentials, issued with its lease; absent: the job has no role. The agent sets them as
   * AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN for each task (renewed before a task when they run
   * short) and serves them at the job's metadata endpoint.
   */
  roleCredentials: RoleCredentials.optional(),
});
export type JobAssignment = z.infer<typeof JobAssignment>;

/**
 * A git revision a job will soon need, or (no revision) a repository that was just pushed to: idle agents
 * fetch it into their mirrors ahead of the assignment.
 */
export const GitPrefetch = z.object({
  /** The repository URL without user info (hints are never sent for repositories that need credentials). */
  url: z.string().min(1),
  revision: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
});
export type GitPrefetch = z.infer<typeof GitPrefetch>;

/**
 * `job: null` ends a long poll without work. `prefetch` (possibly with `job: null`) names revisions that
 * just appeared on a material: the agent starts fetching them at once, so the checkout of the run they
 * trigger overlaps with its scheduling. Then the agent polls again.
 */
export const WorkResponse = z.object({
  job: JobAssignment.nullable(),
  prefetch: z.array(GitPrefetch).optional(),
});
export type WorkResponse = z.infer<typeof WorkResponse>;

export const HeartbeatRequest = z.strictObject({ runningLeases: z.array(LeaseId).max(16) });
export type HeartbeatRequest = z.infer<typeof HeartbeatRequest>;
export const HeartbeatResponse = z.object({
  state: z.enum(["pending", "idle", "building", "lost", "disabled"]),
  /** Leases to stop now (cancelled or reassigned). */
  revokedLeases: z.array(LeaseId),
});
export type HeartbeatResponse = z.infer<typeof HeartbeatResponse>;

export const JobStateReport = z.strictObject({ state: z.enum(["preparing", "building", "completing"]) });
export type JobStateReport = z.infer<typeof JobStateReport>;

export const JobCompleteReport = z.strictObject({
  result: z.enum([JobResult.passed, JobResult.failed, JobResult.cancelled]),
});
export type JobCompleteReport = z.infer<typeof JobCompleteReport>;

export const WaitCancelResponse = z.object({ cancel: z.boolean() });
export type WaitCancelResponse = z.infer<typeof WaitCancelResponse>;

export const ArtifactFile = z.object({
  /** Path relative to the job's artifact root, `/`-separated. */
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type ArtifactFile = z.infer<typeof ArtifactFile>;

export const ArtifactManifest = z.object({ files: z.array(ArtifactFile) });
export type ArtifactManifest = z.infer<typeof ArtifactManifest>;

/**
 * POST /agent/v1/jobs/:jobRunId/credentials (lease) → JobCredentialsResponse: the credentials of the job's
 * role, fresh when less than 20 minutes remain on the latest (older ones stay valid until they expire or the
 * job ends); `null` when the job has no role. The agent serves them at the job's metadata endpoint.
 */
export const JobCredentialsResponse = z.object({ credentials: RoleCredentials.nullable() });
export type JobCredentialsResponse = z.infer<typeof JobCredentialsResponse>;

/** POST /agent/v1/jobs/:jobRunId/id-token (lease) IdTokenRequest → IdTokenResponse: an OIDC ID token for the job. */
export const IdTokenRequest = z.strictObject({ audience: z.string().min(1).max(255) });
export type IdTokenRequest = z.infer<typeof IdTokenRequest>;
export const IdTokenResponse = z.object({ token: z.string(), expiresAt: z.number().int() });
export type IdTokenResponse = z.infer<typeof IdTokenResponse>;
