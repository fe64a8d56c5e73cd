/**
 * REST routes under /api/v1 (the CLI and the web UI use only these). `:name` etc. are path parameters.
 * All need `Authorization: Bearer <token>` (the bootstrap API token or a personal `fwk_…` token) or the web UI's
 * session cookie (with `x-fawkes-csrf` on writes), except health, the OpenAPI document, the session and login
 * routes and the git webhook. Each route needs a permission (view, operate or admin: users.ts).
 */
export const ApiRoutes = {
  /** GET → Health. Public. */
  health: "/api/v1/health",
  /** GET → OpenAPI 3.1 document. Public. */
  openapi: "/api/v1/openapi.json",
  /** GET → PipelineListDto */
  pipelines: "/api/v1/pipelines",
  /** GET ?limit=N (default 20, max 500) &offset=N → PipelineStatusDto */
  pipelineStatus: "/api/v1/pipelines/:name",
  /** POST TriggerRequest → 202 TriggerResponse */
  trigger: "/api/v1/pipelines/:name/trigger",
  /** POST PauseRequest → 204 */
  pause: "/api/v1/pipelines/:name/pause",
  /** POST → 204 */
  unpause: "/api/v1/pipelines/:name/unpause",
  /** GET → PipelineRunDto */
  run: "/api/v1/pipelines/:name/runs/:counter",
  /** GET → RunChangesDto (commits since the previous run) */
  runChanges: "/api/v1/pipelines/:name/runs/:counter/changes",
  /** GET → VsmDto (value stream map) */
  vsm: "/api/v1/pipelines/:name/runs/:counter/vsm",
  /** POST → 204 (cancels every unfinished stage of the run) */
  cancelRun: "/api/v1/pipelines/:name/runs/:counter/cancel",
  /** POST → 204 (approves the stage waiting for manual approval) */
  approve: "/api/v1/pipelines/:name/runs/:counter/stages/:stage/approve",
  /** POST → 204 (cancels the latest run of this stage) */
  cancelStage: "/api/v1/pipelines/:name/runs/:counter/stages/:stage/cancel",
  /** POST RerunRequest → 202 RerunResponse */
  rerun: "/api/v1/pipelines/:name/runs/:counter/stages/:stage/rerun",
  /**
   * GET console log of a job: text/plain. Query: offset (bytes, default 0), timestamps (default true: each line
   * starts with `HH:MM:SS.mmm ` UTC, when the agent read it from the task, on the server's clock),
   * follow (default false: when true the response streams until the job completes).
   * `:stageCounter` may be `latest`.
   */
  console: "/api/v1/pipelines/:name/runs/:counter/stages/:stage/:stageCounter/jobs/:job/console",
  /** GET → {files: ArtifactFile[]} */
  artifacts: "/api/v1/pipelines/:name/runs/:counter/stages/:stage/:stageCounter/jobs/:job/artifacts",
  /** GET → file contents */
  artifactFile: "/api/v1/pipelines/:name/runs/:counter/stages/:stage/:stageCounter/jobs/:job/artifacts/*",
  /** GET → AgentListDto */
  agents: "/api/v1/agents",
  /** POST → 204 */
  enableAgent: "/api/v1/agents/:agent/enable",
  /** POST → 204 */
  disableAgent: "/api/v1/agents/:agent/disable",
  /** PATCH AgentUpdateRequest → AgentDto; DELETE → 204 */
  agent: "/api/v1/agents/:agent",
  /** PUT AgentRoleRequest → AgentDto: the role its jobs assume when they name none (null: none) */
  agentRole: "/api/v1/agents/:agent/role",
  /** POST NotifyRequest → NotifyResponse (check matching git materials now) */
  notify: "/api/v1/materials/notify",
  /** POST provider payload → 202 {materials: n}. Public; HMAC-verified when a secret is configured. */
  webhook: "/api/v1/webhooks/git",
  /** GET → ConfigHealthDto */
  configErrors: "/api/v1/config/errors",
  /** GET → text/event-stream of ServerEvent */
  events: "/api/v1/events",
  /**
   * GET → SessionDto (public); POST SessionRequest → 204 + HttpOnly cookie; DELETE → 204 (logout).
   * The web UI authenticates with the cookie; the CLI with the bearer token.
   */
  session: "/api/v1/session",
  /** GET → MeDto: who the caller is and what they may do. */
  me: "/api/v1/me",
  /** POST ChangeOwnPasswordRequest → SessionDto: the caller's own password; their other web sessions end. */
  mePassword: "/api/v1/me/password",
  /** POST LoginRequest → 201 CreatedApiTokenDto (`fawkes login`). Public, rate-limited. */
  login: "/api/v1/login",
  /** GET → UserListDto; POST CreateUserRequest → 201 CreatedUserDto. Admin. */
  users: "/api/v1/users",
  /** PATCH UpdateUserRequest → UserDto; DELETE → 204. Admin. */
  user: "/api/v1/users/:user",
  /** PUT GrantRequest → UserDto; DELETE → UserDto (the grant removed). Admin. */
  userGroup: "/api/v1/users/:user/groups/:group",
  /** GET → ApiTokenListDto (yours; an admin's `?user=NAME` or `?all=true`); POST CreateApiTokenRequest → 201 CreatedApiTokenDto */
  tokens: "/api/v1/tokens",
  /** DELETE → 204: revoke (yours; any, for an admin). */
  token: "/api/v1/tokens/:tokenId",
  /** POST → 204: the agent's token stops working; it registers again with the key and is pending. Admin. */
  revokeAgentToken: "/api/v1/agents/:agent/revoke-token",
  /** POST → ApiTokenDto: a new API token (shown once); the old one and every web UI session stop working. */
  apiTokenRotate: "/api/v1/api-token/rotate",
  /** GET → AccessKeyListDto; POST CreateAccessKeyRequest → 201 CreatedAccessKeyDto (the secret, once) */
  credentials: "/api/v1/credentials",
  /** DELETE → 204 (the key stops working at once) */
  credential: "/api/v1/credentials/:accessKeyId",
  /** GET ?all=true&role=NAME → StsSessionListDto (temporary credentials, never their secrets) */
  credentialSessions: "/api/v1/credentials/sessions",
  /** POST RevokeSessionsRequest → RevokedSessionsDto: refused from the next request on */
  credentialSessionsRevoke: "/api/v1/credentials/sessions/revoke",
  /** GET → RoleListDto; POST CreateRoleRequest → 201 RoleDto */
  roles: "/api/v1/roles",
  /** GET → RoleDetailsDto; PUT UpdateTrustPolicyRequest → RoleDto; DELETE → 204 (DeleteConflict while in use) */
  role: "/api/v1/roles/:role",
  /** PUT PutRolePolicyRequest → RolePolicyDto; GET → RolePolicyDto; DELETE → 204 */
  rolePolicy: "/api/v1/roles/:role/policies/:policy",
  /** GET → AttachedPolicyListDto; POST AttachPolicyRequest → AttachedPolicyListDto; DELETE ?policy=NAME|ARN → 204 */
  roleAttached: "/api/v1/roles/:role/attached",
  /** GET → ManagedPolicyListDto; POST CreateManagedPolicyRequest → 201 ManagedPolicyDto */
  policies: "/api/v1/policies",
  /** GET → ManagedPolicyDto; DELETE → 204. By name (or URL-encoded ARN). */
  policy: "/api/v1/policies/:policy",
  /** GET → PolicyVersionListDto; POST CreatePolicyVersionRequest → 201 PolicyVersionDto (LimitExceeded past five) */
  policyVersions: "/api/v1/policies/:policy/versions",
  /** GET → PolicyVersionDto (with its document); DELETE → 204 (DeleteConflict for the default) */
  policyVersion: "/api/v1/policies/:policy/versions/:version",
  /** PUT SetDefaultPolicyVersionRequest → ManagedPolicyDto: evaluated from the next request on */
  policyDefaultVersion: "/api/v1/policies/:policy/default-version",
  /** GET → InstanceProfileListDto; POST CreateInstanceProfileRequest → 201 InstanceProfileDto */
  instanceProfiles: "/api/v1/instance-profiles",
  /** GET → InstanceProfileDto; DELETE → 204 */
  instanceProfile: "/api/v1/instance-profiles/:profile",
  /** PUT InstanceProfileRoleRequest → InstanceProfileDto (needs iam:PassRole); DELETE → 204 */
  instanceProfileRole: "/api/v1/instance-profiles/:profile/role",
  /** GET ?actor&action&target&since&until&limit&before (AuditQuery) → AuditListDto, newest first */
  audit: "/api/v1/audit",
  /** GET → BucketListDto (the cloud endpoint's buckets) */
  buckets: "/api/v1/buckets",
  /**
   * GET ?prefix=P&continuation=T → ObjectListDto: one level under P (delimiter `/`), 200 entries a page.
   * Keys travel in query parameters, never in the path: they may contain anything.
   */
  bucketObjects: "/api/v1/buckets/:bucket/objects",
  /** GET ?key=K → ObjectDetailsDto */
  bucketObject: "/api/v1/buckets/:bucket/object",
  /** GET ?key=K → the object's bytes (content-disposition: attachment) */
  bucketDownload: "/api/v1/buckets/:bucket/download",
  /** GET ?all=true → StackListDto; POST StackRequest → 201 StackDetailsDto (the create runs on) */
  stacks: "/api/v1/stacks",
  /** GET → StackDetailsDto; PUT StackRequest → 202 StackDetailsDto (UpdateStack); DELETE → 202 (DeleteStack) */
  stack: "/api/v1/stacks/:stack",
  /** GET ?after=ID → StackEventListDto, oldest first */
  stackEvents: "/api/v1/stacks/:stack/events",
  /** GET → StackResourceListDto */
  stackResources: "/api/v1/stacks/:stack/resources",
  /** GET → text/plain: the template as it was given */
  stackTemplate: "/api/v1/stacks/:stack/template",
  /** GET ?all=true → InstanceListDto */
  instances: "/api/v1/instances",
  /** GET → InstanceDto; DELETE → 202 (terminate) */
  instance: "/api/v1/instances/:instance",
  /** GET → InstanceConsoleDto */
  instanceConsole: "/api/v1/instances/:instance/console",
  /** GET → OidcKeyListDto: the OIDC issuer's signing keys (public parts only). */
  oidcKeys: "/api/v1/oidc/keys",
  /** POST → 201 OidcKeyDto: a new signing key signs from now on; the old one stays in the JWKS until its tokens expire. */
  oidcRotateKey: "/api/v1/oidc/rotate-key",
  /** GET → OidcDiscoveryDto (OpenID Connect Discovery 1.0). Public; outside /api/v1, at the issuer's URL. */
  oidcDiscovery: "/.well-known/openid-configuration",
  /** GET → JwksDto: the public keys that verify jobs' ID tokens. Public. */
  oidcJwks: "/.well-known/jwks.json",
} as const;

/** Fill `:param` placeholders (URI-encoded). */
export function apiPath(route: string, params: Record<string, string | number>): string {
  return route.replace(/:([A-Za-z]+)/g, (_, key: string) => {
    const value = params[key];
    if (value === undefined) throw new Error(`missing route parameter ${key}`);
    return encodeURIComponent(String(value));
  });
}
