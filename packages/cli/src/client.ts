/**
 * A small typed client for the public REST API (`ApiRoutes`): every JSON answer is validated with the protocol's
 * zod schema, every error becomes a CliError carrying the problem's `detail` and `code` plus a hint.
 */
import {
  AccessKeyListDto,
  AttachedPolicyListDto,
  ManagedPolicyDto,
  ManagedPolicyListDto,
  PolicyVersionDto,
  PolicyVersionListDto,
  RoleDetailsDto,
  RoleDto,
  RoleListDto,
  RolePolicyDto,
  ApiTokenDto,
  AuditListDto,
  AgentDto,
  AgentListDto,
  ApiRoutes,
  apiPath,
  CreatedAccessKeyDto,
  ErrorCode,
  Health,
  NotifyResponse,
  OidcKeyDto,
  OidcKeyListDto,
  PipelineListDto,
  PipelineRunDto,
  PipelineStatusDto,
  RerunResponse,
  RevokedSessionsDto,
  ServerEvent,
  StackDetailsDto,
  StackEventListDto,
  StsSessionListDto,
  TriggerResponse,
  ApiTokenListDto,
  CreatedApiTokenDto,
  CreatedUserDto,
  MeDto,
  UserDto,
  UserListDto,
} from "@fawkes/protocol";
import type {
  AuditQuery,
  CreateApiTokenRequest,
  CreateUserRequest,
  LoginRequest,
  UpdateUserRequest,
  UserRole,
  CreateAccessKeyRequest,
  RevokeSessionsRequest,
  CreateManagedPolicyRequest,
  CreatePolicyVersionRequest,
  CreateRoleRequest,
  PolicyDocument,
  NotifyRequest,
  PauseRequest,
  RerunRequest,
  StackRequest,
  TriggerRequest,
} from "@fawkes/protocol";
import type { z } from "zod";
import { CliError } from "./errors.ts";
import { subscribeSse } from "./sse.ts";
import type { Subscription } from "./sse.ts";

export interface ClientOptions {
  serverUrl: string;
  token: string | undefined;
}

export interface ConsoleQuery {
  /** Stage counter or `latest`. */
  stageCounter: number | "latest";
  timestamps: boolean;
  follow: boolean;
  offset?: number;
}

export interface JobLocator {
  pipeline: string;
  counter: number;
  stage: string;
  stageCounter: number | "latest";
  job: string;
}

const unreachableHint =
  "is the server running? start it with `fawkes up` (or pass --server URL / set FAWKES_SERVER)";
const unauthorizedHint =
  "pass --token TOKEN or set FAWKES_TOKEN; a server started on this machine saves its token for the CLI automatically";

export class FawkesClient {
  readonly serverUrl: string;
  readonly #token: string | undefined;

  constructor(options: ClientOptions) {
    this.serverUrl = options.serverUrl.replace(/\/+$/, "");
    this.#token = options.token;
  }

  health(): Promise<Health> {
    return this.#json("GET", ApiRoutes.health, Health);
  }
  pipelines(): Promise<PipelineListDto> {
    return this.#json("GET", ApiRoutes.pipelines, PipelineListDto);
  }
  pipelineStatus(name: string, limit?: number): Promise<PipelineStatusDto> {
    const query = limit === undefined ? "" : `?limit=${limit}`;
    return this.#json("GET", apiPath(ApiRoutes.pipelineStatus, { name }) + query, PipelineStatusDto);
  }
  run(name: string, counter: number): Promise<PipelineRunDto> {
    return this.#json("GET", apiPath(ApiRoutes.run, { name, counter }), PipelineRunDto);
  }
  trigger(name: string, request: TriggerRequest): Promise<TriggerResponse> {
    return this.#json("POST", apiPath(ApiRoutes.trigger, { name }), TriggerResponse, request);
  }
  pause(name: string, request: PauseRequest): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.pause, { name }), request);
  }
  unpause(name: string): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.unpause, { name }));
  }
  approve(name: string, counter: number, stage: string): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.approve, { name, counter, stage }));
  }
  cancelRun(name: string, counter: number): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.cancelRun, { name, counter }));
  }
  cancelStage(name: string, counter: number, stage: string): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.cancelStage, { name, counter, stage }));
  }
  rerun(name: string, counter: number, stage: string, request: RerunRequest): Promise<RerunResponse> {
    return this.#json("POST", apiPath(ApiRoutes.rerun, { name, counter, stage }), RerunResponse, request);
  }
  agents(): Promise<AgentListDto> {
    return this.#json("GET", ApiRoutes.agents, AgentListDto);
  }
  enableAgent(agent: string): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.enableAgent, { agent }));
  }
  disableAgent(agent: string): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.disableAgent, { agent }));
  }
  deleteAgent(agent: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.agent, { agent }));
  }
  setAgentResources(agent: string, resources: string[]): Promise<AgentDto> {
    return this.#json("PATCH", apiPath(ApiRoutes.agent, { agent }), AgentDto, { resources });
  }
  setAgentRole(agent: string, role: string | null): Promise<AgentDto> {
    return this.#json("PUT", apiPath(ApiRoutes.agentRole, { agent }), AgentDto, { role });
  }
  notify(request: NotifyRequest): Promise<NotifyResponse> {
    return this.#json("POST", ApiRoutes.notify, NotifyResponse, request);
  }
  accessKeys(): Promise<AccessKeyListDto> {
    return this.#json("GET", ApiRoutes.credentials, AccessKeyListDto);
  }
  createAccessKey(request: CreateAccessKeyRequest): Promise<CreatedAccessKeyDto> {
    return this.#json("POST", ApiRoutes.credentials, CreatedAccessKeyDto, request);
  }
  /** A new API token (shown only in this answer); the one this client holds stops working. */
  rotateApiToken(): Promise<ApiTokenDto> {
    return this.#json("POST", ApiRoutes.apiTokenRotate, ApiTokenDto);
  }
  oidcKeys(): Promise<OidcKeyListDto> {
    return this.#json("GET", ApiRoutes.oidcKeys, OidcKeyListDto);
  }
  rotateOidcKey(): Promise<OidcKeyDto> {
    return this.#json("POST", ApiRoutes.oidcRotateKey, OidcKeyDto);
  }
  deleteAccessKey(accessKeyId: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.credential, { accessKeyId }));
  }
  stsSessions(query: { all?: boolean; role?: string } = {}): Promise<StsSessionListDto> {
    const params = new URLSearchParams();
    if (query.all) params.set("all", "true");
    if (query.role !== undefined) params.set("role", query.role);
    const search = params.size > 0 ? `?${params}` : "";
    return this.#json("GET", `${ApiRoutes.credentialSessions}${search}`, StsSessionListDto);
  }
  revokeSessions(request: RevokeSessionsRequest): Promise<RevokedSessionsDto> {
    return this.#json("POST", ApiRoutes.credentialSessionsRevoke, RevokedSessionsDto, request);
  }
  roles(): Promise<RoleListDto> {
    return this.#json("GET", ApiRoutes.roles, RoleListDto);
  }
  role(role: string): Promise<RoleDetailsDto> {
    return this.#json("GET", apiPath(ApiRoutes.role, { role }), RoleDetailsDto);
  }
  createRole(request: CreateRoleRequest): Promise<RoleDto> {
    return this.#json("POST", ApiRoutes.roles, RoleDto, request);
  }
  deleteRole(role: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.role, { role }));
  }
  putRolePolicy(role: string, policy: string, document: PolicyDocument): Promise<RolePolicyDto> {
    return this.#json("PUT", apiPath(ApiRoutes.rolePolicy, { role, policy }), RolePolicyDto, { document });
  }
  deleteRolePolicy(role: string, policy: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.rolePolicy, { role, policy }));
  }
  attachRolePolicy(role: string, policy: string): Promise<AttachedPolicyListDto> {
    return this.#json("POST", apiPath(ApiRoutes.roleAttached, { role }), AttachedPolicyListDto, { policy });
  }
  detachRolePolicy(role: string, policy: string): Promise<void> {
    const query = new URLSearchParams({ policy }).toString();
    return this.#empty("DELETE", `${apiPath(ApiRoutes.roleAttached, { role })}?${query}`);
  }
  managedPolicies(): Promise<ManagedPolicyListDto> {
    return this.#json("GET", ApiRoutes.policies, ManagedPolicyListDto);
  }
  managedPolicy(policy: string): Promise<ManagedPolicyDto> {
    return this.#json("GET", apiPath(ApiRoutes.policy, { policy }), ManagedPolicyDto);
  }
  createManagedPolicy(request: CreateManagedPolicyRequest): Promise<ManagedPolicyDto> {
    return this.#json("POST", ApiRoutes.policies, ManagedPolicyDto, request);
  }
  deleteManagedPolicy(policy: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.policy, { policy }));
  }
  policyVersions(policy: string): Promise<PolicyVersionListDto> {
    return this.#json("GET", apiPath(ApiRoutes.policyVersions, { policy }), PolicyVersionListDto);
  }
  createPolicyVersion(policy: string, request: CreatePolicyVersionRequest): Promise<PolicyVersionDto> {
    return this.#json("POST", apiPath(ApiRoutes.policyVersions, { policy }), PolicyVersionDto, request);
  }
  deletePolicyVersion(policy: string, version: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.policyVersion, { policy, version }));
  }
  setDefaultPolicyVersion(policy: string, versionId: string): Promise<ManagedPolicyDto> {
    return this.#json("PUT", apiPath(ApiRoutes.policyDefaultVersion, { policy }), ManagedPolicyDto, {
      versionId,
    });
  }

  /** One page of the audit log, newest first. */
  audit(query: AuditQuery): Promise<AuditListDto> {
    const search = new URLSearchParams(
      Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );
    return this.#json("GET", `${ApiRoutes.audit}?${search}`, AuditListDto);
  }

  me(): Promise<MeDto> {
    return this.#json("GET", ApiRoutes.me, MeDto);
  }
  /** A new personal API token for a user's name and password (needs no token). */
  login(request: LoginRequest): Promise<CreatedApiTokenDto> {
    return this.#json("POST", ApiRoutes.login, CreatedApiTokenDto, request);
  }
  users(): Promise<UserListDto> {
    return this.#json("GET", ApiRoutes.users, UserListDto);
  }
  createUser(request: CreateUserRequest): Promise<CreatedUserDto> {
    return this.#json("POST", ApiRoutes.users, CreatedUserDto, request);
  }
  updateUser(user: string, request: UpdateUserRequest): Promise<UserDto> {
    return this.#json("PATCH", apiPath(ApiRoutes.user, { user }), UserDto, request);
  }
  deleteUser(user: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.user, { user }));
  }
  /** Grants `role` in a pipeline group; null removes the grant. */
  grant(user: string, group: string, role: UserRole | null): Promise<UserDto> {
    const path = apiPath(ApiRoutes.userGroup, { user, group });
    return role === null ? this.#json("DELETE", path, UserDto) : this.#json("PUT", path, UserDto, { role });
  }
  tokens(query: { user?: string; all?: boolean } = {}): Promise<ApiTokenListDto> {
    const search = new URLSearchParams({
      ...(query.user !== undefined && { user: query.user }),
      ...(query.all === true && { all: "true" }),
    }).toString();
    return this.#json("GET", ApiRoutes.tokens + (search === "" ? "" : `?${search}`), ApiTokenListDto);
  }
  createToken(request: CreateApiTokenRequest): Promise<CreatedApiTokenDto> {
    return this.#json("POST", ApiRoutes.tokens, CreatedApiTokenDto, request);
  }
  revokeToken(tokenId: string): Promise<void> {
    return this.#empty("DELETE", apiPath(ApiRoutes.token, { tokenId }));
  }
  stack(stack: string): Promise<StackDetailsDto> {
    return this.#json("GET", apiPath(ApiRoutes.stack, { stack }), StackDetailsDto);
  }
  createStack(request: StackRequest): Promise<StackDetailsDto> {
    return this.#json("POST", ApiRoutes.stacks, StackDetailsDto, request);
  }
  stackEvents(stack: string, after?: number): Promise<StackEventListDto> {
    const query = after === undefined ? "" : `?after=${after}`;
    return this.#json("GET", apiPath(ApiRoutes.stackEvents, { stack }) + query, StackEventListDto);
  }
  revokeAgentToken(agent: string): Promise<void> {
    return this.#empty("POST", apiPath(ApiRoutes.revokeAgentToken, { agent }));
  }

  /** The console log as a byte stream (text/plain); with `follow` it ends when the job completes. */
  async console(locator: JobLocator, query: ConsoleQuery): Promise<ReadableStream<Uint8Array>> {
    const path = apiPath(ApiRoutes.console, {
      name: locator.pipeline,
      counter: locator.counter,
      stage: locator.stage,
      stageCounter: query.stageCounter,
      job: locator.job,
    });
    const search = new URLSearchParams({
      offset: String(query.offset ?? 0),
      timestamps: String(query.timestamps),
      follow: String(query.follow),
    });
    const response = await this.#request("GET", `${path}?${search}`, undefined, "text/plain");
    if (response.body === null) return new ReadableStream({ start: (controller) => controller.close() });
    return response.body;
  }

  /** Subscribe to server events; `onOpen` fires on every (re)connect so callers re-fetch what they show. */
  events(handlers: {
    onEvent(event: ServerEvent): void;
    onOpen?(): void;
    onDrop?(error: unknown): void;
  }): Subscription {
    return subscribeSse({
      url: this.serverUrl + ApiRoutes.events,
      headers: this.#authHeaders(),
      onOpen: handlers.onOpen,
      onDrop: handlers.onDrop,
      onMessage: (message) => {
        let data: unknown;
        try {
          data = JSON.parse(message.data);
        } catch {
          return; // keep-alives and foreign events are not ours to interpret
        }
        const parsed = ServerEvent.safeParse(data);
        if (parsed.success) handlers.onEvent(parsed.data);
      },
    });
  }

  #authHeaders(): Record<string, string> {
    return this.#token === undefined ? {} : { authorization: `Bearer ${this.#token}` };
  }

  async #json<S extends z.ZodType>(
    method: string,
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.infer<S>> {
    const response = await this.#request(method, path, body, "application/json");
    const text = await response.text();
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (cause) {
      throw new CliError(`${method} ${path}: the server answered something that is not JSON`, { cause });
    }
    const parsed = schema.safeParse(data);
    if (!parsed.success) {
      throw new CliError(`${method} ${path}: unexpected response shape: ${parsed.error.message}`, {
        hint: "the server and the CLI may be different versions of Fawkes",
      });
    }
    return parsed.data;
  }

  async #empty(method: string, path: string, body?: unknown): Promise<void> {
    const response = await this.#request(method, path, body, "application/json");
    await response.body?.cancel();
  }

  async #request(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    const headers: Record<string, string> = { accept, ...this.#authHeaders() };
    if (body !== undefined) headers["content-type"] = "application/json";
    let response: Response;
    try {
      response = await fetch(this.serverUrl + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (cause) {
      throw new CliError(
        `cannot reach the Fawkes server at ${this.serverUrl} (${describeFetchFailure(cause)})`,
        {
          hint: unreachableHint,
          cause,
        },
      );
    }
    if (!response.ok) throw await problemError(response);
    return response;
  }
}

function describeFetchFailure(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}

const hintsByCode: Partial<Record<string, string>> = {
  [ErrorCode.pipelineNotFound]:
    "check the name in your *.gocd.yaml files; `fawkes validate FILE...` shows config errors",
  [ErrorCode.pipelinePaused]: "unpause it with `fawkes unpause PIPELINE`",
  [ErrorCode.agentNotFound]: "list agents with `fawkes agents`",
  [ErrorCode.stageNotAwaitingApproval]: "check the run with `fawkes status PIPELINE`",
  [ErrorCode.stageStillRunning]: "wait for it to finish or cancel it with `fawkes cancel`",
  [ErrorCode.roleNotFound]: "list roles with `fawkes roles list`",
  [ErrorCode.policyNotFound]:
    "list managed policies with `fawkes policies list`, a role's inline ones with `fawkes roles show ROLE`",
  [ErrorCode.deleteConflict]:
    "`fawkes roles show ROLE` lists what holds it: delete its inline policies and detach its managed ones first",
  [ErrorCode.entityAlreadyExists]:
    "pick another name, or delete the old one first (names ignore letter case)",
};

async function problemError(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => "");
  let problem: { detail?: unknown; title?: unknown; code?: unknown; errors?: unknown } = {};
  try {
    problem = JSON.parse(text) as typeof problem;
  } catch {
    // Not problem+json (a proxy, an old server): fall back to the status line.
  }
  const code = typeof problem.code === "string" ? (problem.code as ErrorCode) : undefined;
  const detail =
    typeof problem.detail === "string" && problem.detail !== ""
      ? problem.detail
      : typeof problem.title === "string"
        ? problem.title
        : `HTTP ${response.status} ${response.statusText}`;
  const issues = Array.isArray(problem.errors)
    ? (problem.errors as { path?: string; file?: string; line?: number; column?: number; message?: string }[])
        .map(
          (issue) =>
            `  ${issue.file !== undefined ? `${issue.file}:${issue.line ?? 0}:${issue.column ?? 0}: ` : issue.path !== undefined ? `${issue.path}: ` : ""}${issue.message ?? ""}`,
        )
        .join("\n")
    : "";
  // When the server's message already names the command to run (with the real names), a generic hint with
  // placeholders would only repeat it.
  const hint =
    response.status === 401
      ? unauthorizedHint
      : code === undefined || detail.includes("`fawkes ")
        ? undefined
        : hintsByCode[code];
  return new CliError(issues === "" ? detail : `${detail}\n${issues}`, {
    code,
    status: response.status,
    hint,
  });
}
