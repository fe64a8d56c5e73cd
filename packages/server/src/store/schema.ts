/**
 * Database rows (kysely table types). Only server/src/store uses these; a row never goes over HTTP.
 * Times are UTC epoch milliseconds; booleans are 0/1 integers (SQLite and PostgreSQL alike via kysely).
 * Migration 001 creates exactly these tables; later changes are new numbered migrations.
 */
import type { Generated, Insertable, Selectable, Updateable } from "kysely";

export interface DbPipelineTable {
  name: string;
  paused: number;
  pause_reason: string | null;
  paused_by: string | null;
  /** Counter of the run that holds the pipeline lock (lock_behavior), or null. */
  locked_by_counter: number | null;
  /** Highest counter ever used; never decreases, so counters are never reused. */
  last_counter: number;
  updated_at: number;
}

export interface DbPipelineRunTable {
  id: Generated<number>;
  pipeline: string;
  counter: number;
  label: string;
  trigger_kind: string;
  trigger_user: string;
  /** "building" | "passed" | "failed" | "cancelled" */
  result: string;
  /**
   * PipelineConfig snapshot (JSON) the run was created with; later stages and reruns use it. Its secrets are
   * sealed (sealed-values.ts, by the sealing plugin).
   */
  config_json: string;
  /** Variables given at trigger time (JSON object name → value, every value sealed). */
  variables_json: string;
  /** Name of the stage waiting for manual approval, if any. */
  awaiting_stage: string | null;
  created_at: number;
  completed_at: number | null;
}

export interface DbRunMaterialTable {
  id: Generated<number>;
  run_id: number;
  /** Material name in the pipeline config. */
  material: string;
  type: string;
  /** Git: redacted url # branch # keyed hash (engine/fingerprints.ts); dependency: pipeline/stage. */
  fingerprint: string;
  /** Git SHA or `pipeline/counter/stage/stageCounter`. */
  revision: string;
  /** First revision of the batch (GO_FROM_REVISION); equals revision when one commit. */
  from_revision: string;
  description: string;
  changed: number;
  /** For dependencies: the upstream pipeline_runs.id. */
  upstream_run_id: number | null;
}

export interface DbStageRunTable {
  id: Generated<number>;
  run_id: number;
  pipeline: string;
  pipeline_counter: number;
  name: string;
  /** Position of the stage in the pipeline config. */
  stage_index: number;
  counter: number;
  /** "building" | "passed" | "failed" | "cancelled" */
  result: string;
  approval_type: string;
  approved_by: string | null;
  rerun_of_counter: number | null;
  scheduled_at: number;
  completed_at: number | null;
}

export interface DbJobRunTable {
  id: Generated<number>;
  stage_run_id: number;
  run_id: number;
  name: string;
  /** JobState */
  state: string;
  /** JobResult */
  result: string;
  /** Resources the job needs (JSON array), for matching without re-reading config. */
  resources_json: string;
  agent_id: string | null;
  /** Current lease; reports with another lease id are fenced off. */
  lease_id: string | null;
  /** How many times the job was handed to an agent (reassignments after agent loss count). */
  attempts: number;
  /** Set when cancel was requested; the agent runs on_cancel and reports cancelled. */
  cancel_requested: number;
  waiting_reason: string | null;
  scheduled_at: number;
  assigned_at: number | null;
  completed_at: number | null;
  /** Bytes of console log stored, so readers can follow without stat. */
  console_bytes: number;
}

export interface DbAgentTable {
  id: string;
  name: string;
  hostname: string;
  /** sha256 hex of the agent's bearer token. */
  token_hash: string;
  /** "pending" | "enabled" | "disabled" — the admin's decision; idle/building/lost are derived. */
  config_state: string;
  resources_json: string;
  environments_json: string;
  registered_at: number;
  last_heartbeat_at: number | null;
  current_job_run_id: number | null;
  deleted: number;
  /** The role its jobs assume when they name none (migration 010); null: none. */
  role: string | null;
  /** The token it rotated away from, valid until the new one is used or `previous_token_until` (014). */
  previous_token_hash: string | null;
  previous_token_until: number | null;
}

export interface DbMaterialTable {
  /** Redacted url # branch # keyed hash (engine/fingerprints.ts). */
  fingerprint: string;
  type: string;
  /** Redacted (no user info). */
  url: string;
  branch: string;
  /** Last revision seen on the remote branch. */
  last_revision: string | null;
  last_checked_at: number | null;
  last_error: string | null;
}

export interface DbArtifactTable {
  id: Generated<number>;
  job_run_id: number;
  path: string;
  size: number;
  sha256: string;
  created_at: number;
}

export interface DbExternalArtifactTable {
  id: Generated<number>;
  job_run_id: number;
  artifact_id: string;
  store_id: string;
  bucket: string;
  object_key: string;
  path: string;
  size: number;
  sha256: string;
  created_at: number;
}

export interface DbKeyValueTable {
  key: string;
  value: string;
}

/** Access keys of the cloud endpoint (migration 004). */
export interface DbAccessKeyTable {
  /** `AKIA` + 16 upper-case letters and digits. */
  access_key_id: string;
  name: string;
  /** `arn:aws:iam::000000000000:user/<name>`. */
  principal_arn: string;
  /** base64(iv ‖ GCM tag ‖ ciphertext): AES-256-GCM with `<dataDir>/keys/data-key`; "" once deleted. */
  secret_encrypted: string;
  /** sha256 hex of the secret. */
  secret_hash: string;
  /** The IAM identity policy document (JSON). */
  policy_json: string;
  created_at: number;
  expires_at: number | null;
  /** For temporary credentials (STS, later). */
  session_token_hash: string | null;
  /** A job's key: valid only while this job run holds `lease_id`. */
  job_run_id: number | null;
  lease_id: string | null;
  deleted: Generated<number>;
}

/** Web UI sessions (migration 006). */
export interface DbSessionTable {
  /** sha256 hex of the random session id the cookie carries. */
  id_hash: string;
  created_at: number;
  expires_at: number;
  /** The user (migration 012); null for the bootstrap administrator (the API token file). */
  user_id: number | null;
}

/** Users (migration 012). */
export interface DbUserTable {
  id: Generated<number>;
  name: string;
  /** Versioned scrypt hash (`scrypt$1$…`, identity/users/passwords.ts); never the password. */
  password_hash: string;
  /** "admin" | "operator" | "viewer" */
  role: string;
  disabled: Generated<number>;
  created_at: number;
}

/** A user's role in a pipeline group (migration 012). */
export interface DbUserGroupRoleTable {
  user_id: number;
  group_name: string;
  /** "admin" | "operator" | "viewer" */
  role: string;
}

/** Personal API tokens (migration 012): only the token's SHA-256 is stored. */
export interface DbApiTokenTable {
  id: string;
  user_id: number;
  name: string;
  /** sha256 hex of the `fwk_…` token. */
  token_hash: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
}

/** Decisions of lifecycle steps waiting for the outbox worker (migration 008, outbox-repo.ts). */
export interface DbLifecycleOutboxTable {
  id: Generated<number>;
  /** "stage-passed" | "downstream" | "changes" (outbox-repo.ts) */
  kind: string;
  pipeline: string;
  /** For "downstream": the upstream stage run that passed. */
  stage_run_id: number | null;
  created_at: number;
}

/** Temporary credentials (migration 010): STS sessions and jobs' role sessions. */
export interface DbStsSessionTable {
  /** `ASIA` + 16 upper-case letters and digits. */
  access_key_id: string;
  /** Sealed with the data key, bound to the access key id (cloud/secret-box.ts). */
  secret_encrypted: string;
  session_token_encrypted: string;
  /** sha256 hex of the session token: what each request's x-amz-security-token is compared with. */
  session_token_hash: string;
  /** `role` (AssumeRole*, jobs) or `user` (GetSessionToken). */
  kind: string;
  role_arn: string | null;
  role_name: string | null;
  session_name: string;
  /** `arn:aws:sts::000000000000:assumed-role/ROLE/SESSION`, or the user's ARN for `user` sessions. */
  principal_arn: string;
  /** `AROA…:SESSION`, or the user key's id for `user` sessions. */
  user_id: string;
  /** For `user` sessions: the long-lived key whose user the session acts as. */
  source_access_key_id: string | null;
  session_policies_json: string;
  tags_json: string;
  source_identity: string | null;
  /** Who assumed the role: a principal ARN, `PROVIDER:SUBJECT`, `job:ID` or `agent:NAME`. */
  assumed_by: string;
  /** `caller` (an STS request) or `job`. */
  owner_kind: string;
  job_run_id: number | null;
  lease_id: string | null;
  agent_id: string | null;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
}

/** IAM roles (migration 009, roles-repo.ts). */
export interface DbRoleTable {
  /** `AROA` + 16 base32 characters. */
  role_id: string;
  name: string;
  /** The lower-cased name: role names are unique without regard to case, as in AWS. */
  name_key: string;
  /** `/` or `/a/b/`. */
  path: string;
  /** `arn:aws:iam::000000000000:role/PATH/NAME`. */
  arn: string;
  /** The trust policy (AssumeRolePolicyDocument), JSON. */
  trust_policy_json: string;
  description: string | null;
  /** Seconds, 3,600–43,200. */
  max_session_duration: number;
  /** ARN of the managed policy capping the role, or null. */
  permissions_boundary_arn: string | null;
  /** `{"key": "value"}`. */
  tags_json: string;
  created_at: number;
}

/** Inline policies of roles (migration 009). */
export interface DbRolePolicyTable {
  role_id: string;
  name: string;
  document_json: string;
}

/** Managed (customer) policies (migration 009); their documents are their versions (016). */
export interface DbManagedPolicyTable {
  /** `ANPA` + 16 base32 characters. */
  policy_id: string;
  name: string;
  name_key: string;
  path: string;
  /** `arn:aws:iam::000000000000:policy/PATH/NAME`. */
  arn: string;
  description: string | null;
  /** The number of the version evaluation uses (`v3` → 3) (016). */
  default_version: number;
  /** The number the next version gets; never decreases, so version ids are never reused (016). */
  next_version: number;
  /** Tags, a JSON object (016). */
  tags_json: string;
  created_at: number;
  /** When the policy or its versions last changed (016). */
  updated_at: number;
}

/** The versions of managed policies, one to five per policy (migration 016). */
export interface DbManagedPolicyVersionTable {
  policy_id: string;
  /** `v3` is 3. */
  version_number: number;
  document_json: string;
  created_at: number;
}

/** Managed policies attached to roles (migration 009). */
export interface DbRolePolicyAttachmentTable {
  role_id: string;
  policy_id: string;
}

/** Instance profiles (migration 009). */
export interface DbInstanceProfileTable {
  /** `AIPA` + 16 base32 characters. */
  instance_profile_id: string;
  name: string;
  name_key: string;
  path: string;
  arn: string;
  tags_json: string;
  /** Its one role, or null. */
  role_id: string | null;
  created_at: number;
}

/** OIDC signing keys (migration 011, identity/oidc). */
export interface DbOidcKeyTable {
  /** The JWK `kid`: `fawkes-` + 16 hex characters. */
  kid: string;
  /** JWS algorithm: "RS256". */
  algorithm: string;
  /** The public key as a JWK (JSON). */
  public_jwk: string;
  /** PKCS#8 PEM sealed with the data key, bound to `oidc_keys:<kid>` (cloud/secret-box.ts). */
  private_key_sealed: string;
  /** When the key starts signing: its creation, or (pre-published) when the key before it stops. */
  created_at: number;
  /** The key signs new tokens until then (creation + the rotation period, or a manual rotation). */
  signs_until: number;
  /** Listed in the JWKS until then: `signs_until` + the longest token lifetime. */
  retire_after: number;
}

/** The audit log (migration 013, audit-repo.ts): rows are only ever added. */
export interface DbAuditLogTable {
  id: Generated<number>;
  at: number;
  /** "user" | "agent" | "system" (http/actor.ts) */
  actor_kind: string;
  actor_name: string;
  /** A stable dotted name (docs/audit.md). */
  action: string;
  /** What the action changed: `pipeline/NAME/COUNTER/STAGE`, `agent/NAME`, `access-key/ID` … */
  target: string;
  /** JSON object; never a secret value (names of secrets only). */
  details_json: string;
  source_ip: string | null;
}

export interface DbStackTable {
  /** The stack's ARN: `arn:aws:cloudformation:REGION:ACCOUNT:stack/NAME/UUID`. */
  stack_id: string;
  name: string;
  /** `stackMachine`'s state (CloudFormation's StackStatus). */
  status: string;
  status_reason: string | null;
  description: string | null;
  /** The template text and the parameter values (JSON), sealed with the data key. */
  template_sealed: string;
  parameters_sealed: string;
  /** Names of NoEcho parameters (shown as `****`). */
  no_echo_json: string;
  /** An update's previous template and values, kept until it completes (its rollback target). */
  previous_template_sealed: string | null;
  previous_parameters_sealed: string | null;
  capabilities_json: string;
  tags_json: string;
  /** `[{ key, value, description, exportName }]`, set when a create or update completes. */
  outputs_json: string;
  disable_rollback: number;
  created_by: string;
  created_at: number;
  updated_at: number | null;
  deleted_at: number | null;
}

export interface DbStackResourceTable {
  id: Generated<number>;
  stack_id: string;
  logical_id: string;
  /** Chosen before the provider makes it (a crash mid-create leaves something deletable). */
  physical_id: string | null;
  type: string;
  /** `resourceMachine`'s state (CloudFormation's ResourceStatus). */
  status: string;
  status_reason: string | null;
  /** The resolved properties (JSON), sealed: user data and NoEcho values may be in them. */
  properties_sealed: string;
  /** `Fn::GetAtt` values the provider returned (JSON). */
  attributes_json: string;
  /** `Delete` or `Retain`. */
  deletion_policy: string;
  updated_at: number;
}

export interface DbStackEventTable {
  id: Generated<number>;
  event_id: string;
  stack_id: string;
  stack_name: string;
  /** The resource's logical id, or the stack's name for the stack's own events. */
  logical_id: string;
  physical_id: string | null;
  type: string;
  status: string;
  status_reason: string | null;
  at: number;
}

export interface DbInstanceTable {
  /** EC2's id: `i-` and 17 hex digits. */
  instance_id: string;
  /** `instanceMachine`'s state (EC2's instance state name). */
  state: string;
  /** Why it is in its state (EC2's state reason): `Server.UserData…`, `User initiated`… */
  state_reason: string | null;
  /** From `127.100.0.0/16`; unique among instances not terminated. */
  private_ip: string;
  /** The elastic address associated with it (`127.101.0.0/16`), or null. */
  public_ip: string | null;
  hostname: string;
  /** ImageId, InstanceType and KeyName: recorded as given, not used. */
  image_id: string;
  instance_type: string;
  key_name: string | null;
  subnet_id: string | null;
  /** JSON array of `sg-…` ids. */
  security_group_ids_json: string;
  instance_profile_arn: string | null;
  /** The instance profile's role when it launched (its metadata endpoint serves that role's sessions). */
  role_arn: string | null;
  /** The stack (ARN) and logical id that made it; null for an instance made otherwise. */
  stack_id: string | null;
  logical_id: string | null;
  /** JSON object KEY → VALUE. */
  tags_json: string;
  /** The raw user data (base64 of its bytes), sealed with the data key. */
  user_data_sealed: string;
  launched_at: number;
  terminated_at: number | null;
}

/** A stable (elastic) address (migration 018). */
export interface DbAddressTable {
  /** `eipalloc-` and 17 hex digits. */
  allocation_id: string;
  /** In `127.101.0.0/16`. */
  public_ip: string;
  /** `vpc` or `standard`. */
  domain: string;
  /** `eipassoc-…` while associated; a new one with every association. */
  association_id: string | null;
  instance_id: string | null;
  /** The associated instance's address (`127.100.x.y`): where its connections go. */
  private_ip: string | null;
  /** The stack resource that allocated it, if one did. */
  stack_id: string | null;
  logical_id: string | null;
  /** `{ key: value }`: the template's Tags and CloudFormation's `aws:cloudformation:*` ones. */
  tags_json: string;
  created_at: number;
}

/** Signals received by a stack's resources (migration 019); a repeated UniqueId is stored once. */
export interface DbStackSignalTable {
  id: Generated<number>;
  stack_id: string;
  /** The signalled resource, or the wait condition handle whose URL was used. */
  logical_id: string;
  unique_id: string;
  /** `SUCCESS` or `FAILURE`. */
  status: string;
  reason: string;
  data: string;
  at: number;
}

export interface Database {
  pipelines: DbPipelineTable;
  pipeline_runs: DbPipelineRunTable;
  run_materials: DbRunMaterialTable;
  stage_runs: DbStageRunTable;
  job_runs: DbJobRunTable;
  agents: DbAgentTable;
  materials: DbMaterialTable;
  artifacts: DbArtifactTable;
  key_values: DbKeyValueTable;
  access_keys: DbAccessKeyTable;
  external_artifacts: DbExternalArtifactTable;
  sessions: DbSessionTable;
  lifecycle_outbox: DbLifecycleOutboxTable;
  sts_sessions: DbStsSessionTable;
  stacks: DbStackTable;
  stack_resources: DbStackResourceTable;
  stack_events: DbStackEventTable;
  instances: DbInstanceTable;
  addresses: DbAddressTable;
  stack_signals: DbStackSignalTable;
  roles: DbRoleTable;
  role_policies: DbRolePolicyTable;
  managed_policies: DbManagedPolicyTable;
  managed_policy_versions: DbManagedPolicyVersionTable;
  role_policy_attachments: DbRolePolicyAttachmentTable;
  instance_profiles: DbInstanceProfileTable;
  oidc_keys: DbOidcKeyTable;
  audit_log: DbAuditLogTable;
  users: DbUserTable;
  user_group_roles: DbUserGroupRoleTable;
  api_tokens: DbApiTokenTable;
}

export type DbPipeline = Selectable<DbPipelineTable>;
export type DbPipelineRun = Selectable<DbPipelineRunTable>;
export type NewDbPipelineRun = Insertable<DbPipelineRunTable>;
export type DbRunMaterial = Selectable<DbRunMaterialTable>;
export type DbStageRun = Selectable<DbStageRunTable>;
export type DbJobRun = Selectable<DbJobRunTable>;
export type DbJobRunUpdate = Updateable<DbJobRunTable>;
export type DbAgent = Selectable<DbAgentTable>;
export type DbMaterial = Selectable<DbMaterialTable>;
export type DbArtifact = Selectable<DbArtifactTable>;
export type DbAccessKey = Selectable<DbAccessKeyTable>;
export type DbStsSession = Selectable<DbStsSessionTable>;
export type DbStack = Selectable<DbStackTable>;
export type DbStackResource = Selectable<DbStackResourceTable>;
export type DbStackEvent = Selectable<DbStackEventTable>;
export type DbInstance = Selectable<DbInstanceTable>;
export type DbAddress = Selectable<DbAddressTable>;
export type DbStackSignal = Selectable<DbStackSignalTable>;
export type DbUser = Selectable<DbUserTable>;
export type DbApiToken = Selectable<DbApiTokenTable>;
export type NewDbAccessKey = Insertable<DbAccessKeyTable>;
export type DbOidcKey = Selectable<DbOidcKeyTable>;
