import { hostname } from "node:os";
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import {
  AGENT_PROTOCOL_VERSION,
  AgentHeader,
  ErrorCode,
  errorDefinitionOf,
  FawkesError,
} from "@fawkes/protocol/constants";
import type {
  AgentTokenResponse,
  ArtifactManifest,
  HeartbeatResponse,
  IdTokenResponse,
  JobCredentialsResponse,
  RoleCredentials,
  JobLocator,
  RegisterResponse,
  WaitCancelResponse,
  WorkResponse,
} from "@fawkes/protocol";
import { Backoff, sleep } from "./backoff.ts";
import { HttpTransport, TransportError, readBody, type TransportBody } from "./http-transport.ts";
import type { AgentIdentity } from "./identity.ts";
import { loadIdentity, saveIdentity } from "./identity.ts";
import type { CompiledOptions } from "./options.ts";

interface CallSpec {
  method: "GET" | "POST" | "PUT";
  path: string;
  headers?: Record<string, string>;
  /** JSON body, or a factory of a raw body (called again on every retry). */
  json?: unknown;
  body?: () => TransportBody;
  idleTimeoutMs?: number;
  /** Registration carries the key in its body, not a bearer token. */
  anonymous?: boolean;
  signal: AbortSignal;
}

const defaultIdleTimeoutMs = 30_000;

/**
 * The agent side of the /agent/v1 protocol. Every call retries on an unreachable server (refused, reset,
 * 5xx) with exponential backoff until it succeeds or its signal aborts, re-registers on 401, and throws
 * FawkesError for other refusals — FAWKES_LEASE_LOST (409) tells a job it was fenced.
 */
export class ServerClient {
  readonly #options: CompiledOptions;
  readonly #transport: HttpTransport;
  #identity: AgentIdentity | undefined;
  #registering: Promise<void> | undefined;
  #outage = false;
  /** When the last outage ended (performance.now()). */
  #reachableSince = 0;
  heartbeatIntervalMs = 5_000;
  /** Leases of the running job, sent at (re-)registration so the server can re-attach them. */
  runningLeases: () => string[] = () => [];
  /** Called with leases the server no longer honours (from registration or heartbeats). */
  onRevokedLeases: (leases: string[]) => void = () => {};
  /** Lower bounds of the server clock's offset from ours, from recent answers (see #noteServerTime). */
  #offsetSamples: { at: number; bound: number }[] = [];

  constructor(options: CompiledOptions) {
    this.#options = options;
    this.#transport = new HttpTransport(options.serverUrl);
  }

  get agentId(): string | undefined {
    return this.#identity?.agentId;
  }

  /** When the server issued the token in use (0: unknown, e.g. an `agent.json` older than rotation). */
  get tokenIssuedAt(): number {
    return this.#identity?.tokenIssuedAt ?? 0;
  }

  close(): void {
    this.#transport.close();
  }

  /**
   * Server clock minus this agent's clock, in ms (0 until the server has answered): console lines are stamped
   * on the server's clock, so that an agent whose clock is off does not misplace them.
   */
  get serverClockOffsetMs(): number {
    let best: number | undefined;
    for (const sample of this.#offsetSamples)
      if (best === undefined || sample.bound > best) best = sample.bound;
    return best ?? 0;
  }

  /**
   * The server stamps each answer as it sends it (AgentHeader.serverTime), so its clock read `serverTime` at an
   * instant no later than our `receivedAt`: the offset is at least `serverTime - receivedAt`, and the tightest
   * such bound (the answer delayed least, by the network or our own busy loop) is the best estimate. Only the
   * last minute's answers count, so that a clock stepped by NTP is followed.
   */
  #noteServerTime(headers: IncomingHttpHeaders, receivedAt: number): void {
    const value = Number(headers[AgentHeader.serverTime]);
    if (!Number.isFinite(value) || value <= 0) return;
    this.#offsetSamples = this.#offsetSamples.filter((sample) => receivedAt - sample.at < 60_000);
    this.#offsetSamples.push({ at: receivedAt, bound: value - receivedAt });
    if (this.#offsetSamples.length > 64) this.#offsetSamples.shift();
  }

  /** Registers (reusing the saved identity), retrying until the server accepts or `signal` aborts. */
  async register(signal: AbortSignal): Promise<void> {
    this.#identity ??= await loadIdentity(this.#options.workDir);
    const registerBackoff = new Backoff(1_000, 30_000);
    for (;;) {
      const identity = this.#identity;
      const body = {
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: this.#options.key,
        name: this.#options.name,
        hostname: hostname().slice(0, 255),
        resources: this.#options.resources,
        environments: this.#options.environments,
        ...(this.#options.role !== undefined ? { role: this.#options.role } : {}),
        ...(identity ? { agentId: identity.agentId, token: identity.token } : {}),
        runningLeases: this.runningLeases(),
      };
      try {
        const response = await this.#call({
          method: "POST",
          path: "/agent/v1/register",
          json: body,
          anonymous: true,
          signal,
        });
        const registered = expectObject<RegisterResponse>(
          JSON.parse((await readBody(response)).toString("utf8")),
          "agentId",
        );
        // The same token back (a re-registration) keeps its age; a new one is issued now.
        const issuedAt = identity?.token === registered.token ? identity.tokenIssuedAt : Date.now();
        const saved: AgentIdentity = {
          agentId: registered.agentId,
          token: registered.token,
          ...(issuedAt !== undefined && { tokenIssuedAt: issuedAt }),
        };
        await saveIdentity(this.#options.workDir, saved);
        this.#identity = saved;
        this.heartbeatIntervalMs = registered.heartbeatIntervalMs;
        this.#options.log("info", "agent registered", {
          agentId: registered.agentId,
          state: registered.state,
        });
        if (registered.revokedLeases.length > 0) this.onRevokedLeases(registered.revokedLeases);
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        // The server no longer knows this identity (the agent was deleted, or the work directory belongs to
        // another server): register afresh. A wrong key is another 401 and keeps the identity.
        if (codeOf(error) === ErrorCode.agentIdentityUnknown && identity) {
          this.#options.log("warn", "saved agent identity rejected; registering afresh", {
            agentId: identity.agentId,
          });
          this.#identity = undefined;
          continue;
        }
        // Refusals a person must act on (a wrong key, a name held by another registration) are retried with a
        // growing pause, so the agent comes in by itself once they act (e.g. `fawkes agents delete NAME`).
        const retryInMs = registerBackoff.next();
        this.#options.log("error", "registration refused", {
          code: codeOf(error),
          message: messageOf(error),
          retryInMs,
        });
        await sleep(retryInMs, signal);
      }
    }
  }

  /**
   * Replaces this agent's token (POST /agent/v1/token) and saves the new one atomically before any request
   * uses it. Until the new token is used the server still accepts the old one (a grace), so a crash before the
   * save leaves an agent that comes back with the old token and rotates again; an answer lost on the way is
   * retried with the old token, which the grace also covers.
   */
  async rotateToken(signal: AbortSignal): Promise<void> {
    const response = await this.#call({ method: "POST", path: "/agent/v1/token", signal });
    const { token } = expectObject<AgentTokenResponse>(await readJson(response), "token");
    const identity = this.#identity;
    if (typeof token !== "string" || token === "" || identity === undefined)
      throw new TransportError("the server's token answer has no token");
    const saved: AgentIdentity = { agentId: identity.agentId, token, tokenIssuedAt: Date.now() };
    await saveIdentity(this.#options.workDir, saved);
    this.#identity = saved;
    this.#options.log("info", "agent token rotated", { agentId: identity.agentId });
  }

  async work(waitMs: number, signal: AbortSignal): Promise<WorkResponse> {
    const response = await this.#call({
      method: "POST",
      path: "/agent/v1/work",
      json: { waitMs },
      idleTimeoutMs: waitMs + 15_000,
      signal,
    });
    return expectObject<WorkResponse>(await readJson(response), "job");
  }

  async heartbeat(runningLeases: string[], signal: AbortSignal): Promise<HeartbeatResponse> {
    const response = await this.#call({
      method: "POST",
      path: "/agent/v1/heartbeat",
      json: { runningLeases },
      signal,
    });
    const parsed = expectObject<HeartbeatResponse>(await readJson(response), "revokedLeases");
    if (parsed.revokedLeases.length > 0) this.onRevokedLeases(parsed.revokedLeases);
    return parsed;
  }

  /** A call under /agent/v1/jobs/:jobRunId/ carrying the lease; resolves with the (consumed) response status. */
  async jobCall(
    job: { jobRunId: number; leaseId: string },
    sub: string,
    spec: Omit<CallSpec, "path" | "method"> & { method?: "POST" | "PUT" },
  ): Promise<IncomingMessage> {
    return this.#call({
      ...spec,
      method: spec.method ?? "POST",
      path: `/agent/v1/jobs/${job.jobRunId}/${sub}`,
      headers: { ...spec.headers, [AgentHeader.lease]: job.leaseId },
    });
  }

  async waitCancel(job: { jobRunId: number; leaseId: string }, signal: AbortSignal): Promise<boolean> {
    const response = await this.jobCall(job, "wait-cancel", { json: {}, idleTimeoutMs: 120_000, signal });
    return expectObject<WaitCancelResponse>(await readJson(response), "cancel").cancel;
  }

  /** An OIDC ID token of the held job for `audience` (POST /agent/v1/jobs/:jobRunId/id-token). */
  async idToken(
    job: { jobRunId: number; leaseId: string },
    audience: string,
    signal: AbortSignal,
  ): Promise<IdTokenResponse> {
    const response = await this.jobCall(job, "id-token", { json: { audience }, signal });
    const parsed = expectObject<IdTokenResponse>(await readJson(response), "token");
    if (typeof parsed.token !== "string" || typeof parsed.expiresAt !== "number")
      throw new TransportError("the server's id-token answer has no token");
    return parsed;
  }

  /** The credentials of the job's role (`null`: the job has none); see JobCredentialsResponse. */
  async jobRoleCredentials(
    job: { jobRunId: number; leaseId: string },
    signal: AbortSignal,
  ): Promise<RoleCredentials | null> {
    const response = await this.jobCall(job, "credentials", { json: {}, signal });
    const { credentials } = expectObject<JobCredentialsResponse>(await readJson(response), "credentials");
    // Checked by hand: the agent does not load zod (see @fawkes/protocol/constants).
    if (credentials === null) return null;
    const strings = [
      credentials.roleArn,
      credentials.roleName,
      credentials.accessKeyId,
      credentials.secretAccessKey,
      credentials.sessionToken,
    ];
    if (
      strings.some((value) => typeof value !== "string" || value === "") ||
      !Number.isFinite(credentials.expiration)
    )
      throw new FawkesError(ErrorCode.badGateway, "the server's job credentials are malformed");
    return credentials;
  }

  async artifactManifest(
    leaseId: string,
    from: JobLocator,
    path: string,
    signal: AbortSignal,
  ): Promise<ArtifactManifest> {
    const response = await this.#call({
      method: "GET",
      path: `${artifactRoot(from)}/manifest?path=${encodeURIComponent(path)}`,
      headers: { [AgentHeader.lease]: leaseId },
      signal,
    });
    return expectObject<ArtifactManifest>(await readJson(response), "files");
  }

  /** Opens one artifact file for streaming; the caller must consume or destroy the returned stream. */
  async artifactFile(
    leaseId: string,
    from: JobLocator,
    path: string,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    return this.#call({
      method: "GET",
      path: `${artifactRoot(from)}/files/${encodePath(path)}`,
      headers: { [AgentHeader.lease]: leaseId },
      idleTimeoutMs: 60_000,
      signal,
    });
  }

  /** The files of an upstream job's external artifact (GoCD `artifact_origin: external`). */
  async externalArtifactManifest(
    leaseId: string,
    from: JobLocator,
    artifactId: string,
    signal: AbortSignal,
  ): Promise<ArtifactManifest> {
    const response = await this.#call({
      method: "GET",
      path: `${externalArtifactRoot(from, artifactId)}/manifest`,
      headers: { [AgentHeader.lease]: leaseId },
      signal,
    });
    return expectObject<ArtifactManifest>(await readJson(response), "files");
  }

  /** Opens one file of an external artifact; the caller must consume or destroy the returned stream. */
  async externalArtifactFile(
    leaseId: string,
    from: JobLocator,
    artifactId: string,
    path: string,
    signal: AbortSignal,
  ): Promise<IncomingMessage> {
    return this.#call({
      method: "GET",
      path: `${externalArtifactRoot(from, artifactId)}/files/${encodePath(path)}`,
      headers: { [AgentHeader.lease]: leaseId },
      idleTimeoutMs: 60_000,
      signal,
    });
  }

  async #call(spec: CallSpec): Promise<IncomingMessage> {
    const backoff = new Backoff();
    let staleRetried = false;
    for (;;) {
      if (spec.signal.aborted) throw spec.signal.reason;
      if (!spec.anonymous && !this.#identity) await this.#reRegister(undefined, spec.signal);
      const token = this.#identity?.token;
      const headers: Record<string, string> = { ...spec.headers };
      if (!spec.anonymous && token) headers.authorization = `Bearer ${token}`;
      let body = spec.body;
      if (spec.json !== undefined) {
        const encoded = Buffer.from(JSON.stringify(spec.json));
        headers["content-type"] = "application/json";
        body = () => encoded;
      }
      let response;
      const attemptStarted = performance.now();
      try {
        response = await this.#transport.send({
          method: spec.method,
          path: spec.path,
          headers,
          ...(body ? { body } : {}),
          idleTimeoutMs: spec.idleTimeoutMs ?? defaultIdleTimeoutMs,
          signal: spec.signal,
        });
        this.#noteServerTime(response.headers, Date.now());
      } catch (error) {
        if (spec.signal.aborted) throw spec.signal.reason;
        // A kept-alive connection the server closed (e.g. across its restart) fails once: retry at once.
        if (!staleRetried && isResetConnection(error)) {
          staleRetried = true;
          continue;
        }
        this.#noteOutage(error, attemptStarted);
        await sleep(backoff.next(), spec.signal);
        continue;
      }
      const status = response.status;
      if (status >= 500 || status === 429 || status === 408) {
        response.stream.resume();
        this.#noteOutage(new Error(`server answered ${status}`), attemptStarted);
        await sleep(backoff.next(), spec.signal);
        continue;
      }
      this.#noteReachable();
      if (status === 401 && !spec.anonymous) {
        response.stream.resume();
        await this.#reRegister(token, spec.signal);
        continue;
      }
      if (status >= 200 && status < 300) return response.stream;
      throw await problemError(response.stream, status);
    }
  }

  /** One re-registration at a time; a caller whose token was already replaced just retries. */
  async #reRegister(staleToken: string | undefined, signal: AbortSignal): Promise<void> {
    if (this.#identity && this.#identity.token !== staleToken) return;
    this.#registering ??= this.register(signal).finally(() => (this.#registering = undefined));
    await this.#registering;
  }

  /**
   * Several calls run at once (console, heartbeat, wait-cancel): a call sent before the server came back may
   * still fail afterwards, which is the same outage, not a new one.
   */
  #noteOutage(error: unknown, attemptStarted: number): void {
    if (this.#outage || attemptStarted < this.#reachableSince) return;
    this.#outage = true;
    this.#options.log("warn", "server unreachable; retrying with backoff", { message: messageOf(error) });
  }

  #noteReachable(): void {
    if (!this.#outage) return;
    this.#reachableSince = performance.now();
    this.#outage = false;
    this.#options.log("info", "server reachable again");
  }
}

function artifactRoot(from: JobLocator): string {
  const parts = [from.pipeline, from.counter, from.stage, from.stageCounter, from.job];
  return `/agent/v1/artifacts/${parts.map((part) => encodeURIComponent(String(part))).join("/")}`;
}

function externalArtifactRoot(from: JobLocator, artifactId: string): string {
  const parts = [from.pipeline, from.counter, from.stage, from.stageCounter, from.job, artifactId];
  return `/agent/v1/external-artifacts/${parts.map((part) => encodeURIComponent(String(part))).join("/")}`;
}

/** Encodes each `/`-separated segment of an artifact path. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

async function readJson(stream: IncomingMessage): Promise<unknown> {
  let text: string;
  try {
    text = (await readBody(stream)).toString("utf8");
  } catch (error) {
    throw new TransportError("response body interrupted", { cause: error });
  }
  return JSON.parse(text);
}

async function problemError(stream: IncomingMessage, status: number): Promise<FawkesError> {
  let code: string | undefined;
  let detail = `server answered ${status}`;
  try {
    const problem = JSON.parse((await readBody(stream)).toString("utf8")) as {
      code?: unknown;
      detail?: unknown;
    };
    if (typeof problem.code === "string") code = problem.code;
    if (typeof problem.detail === "string") detail = problem.detail;
  } catch {
    // Not a problem document: the code comes from the status.
  }
  return new FawkesError(errorDefinitionOf(code ?? "")?.code ?? codeForStatus(status), detail);
}

/** A code for an answer without a known Fawkes code (another server, a proxy): the nearest by status. */
function codeForStatus(status: number): ErrorCode {
  if (status === 401) return ErrorCode.unauthorized;
  if (status === 403) return ErrorCode.forbidden;
  if (status === 404) return ErrorCode.notFound;
  if (status === 413) return ErrorCode.payloadTooLarge;
  if (status >= 500) return ErrorCode.badGateway;
  return ErrorCode.badRequest;
}

/** True when the server fenced this lease: the job must stop and report nothing more. */
export function isLeaseLost(error: unknown): boolean {
  return error instanceof FawkesError && error.code === ErrorCode.leaseLost;
}

function codeOf(error: unknown): string | undefined {
  return error instanceof FawkesError ? error.code : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The agent trusts its server's answers (it runs the commands the server sends); their shape is fixed by
 * the protocol version checked at registration. This guards only against talking to something else, and
 * keeps zod (and ~15 MB of memory) out of the agent process.
 */
function expectObject<T>(value: unknown, key: string): T {
  if (typeof value !== "object" || value === null || !(key in value)) {
    throw new FawkesError(
      ErrorCode.badGateway,
      `unexpected answer from the server (no "${key}"): is --server a Fawkes server?`,
    );
  }
  return value as T;
}

/** ECONNRESET / EPIPE / "socket hang up": the peer closed a reused connection, not necessarily an outage. */
function isResetConnection(error: unknown): boolean {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ECONNRESET" || code === "EPIPE" || /socket hang up/i.test(e.message)) return true;
  }
  return false;
}
