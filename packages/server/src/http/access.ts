/**
 * Deny by default: every route declares who may call it, and the decision is made on the route that matched
 * (after fastify decoded and routed the request target), never on the spelling of the URL. A route that
 * declares nothing cannot be registered: the server refuses to start.
 */
import {
  AgentHeader,
  CSRF_HEADER,
  ErrorCode,
  FawkesError,
  type JobLocator,
  type Permission,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest, RouteOptions } from "fastify";
import type { Engine } from "../engine/engine.ts";
import type { ServerKeys } from "../keys.ts";
import { isPersonalToken, principalOfToken } from "../identity/users/api-tokens.ts";
import { allows, BOOTSTRAP_ADMIN, principalOfUser, type Principal } from "../identity/users/principal.ts";
import { hashToken, sameSecret } from "../services/register-agent.ts";
import { heldJobRun, leaseLost } from "../services/job-reports.ts";
import { agentOfToken } from "../services/agent-tokens.ts";
import type { AgentRecord, JobRunRecord } from "../store/records.ts";
import { setActor } from "./actor.ts";
import { FetchScope } from "./fetch-scope.ts";
import { refuseCrossOrigin } from "./origin.ts";
import { intParam } from "./problem.ts";
import { cookieValue, SESSION_COOKIE, sessionOf, validCsrfToken } from "./session.ts";

/**
 * Who may call a route:
 * - `public`: anyone; the handler checks what it needs itself (agent registration key, webhook signature).
 * - `user`: a user — the bootstrap API token or a personal `fwk_…` token as a bearer token, or a web UI session
 *   cookie (writes: same origin and the session's CSRF token) — holding the route's {@link RoutePermission}.
 * - `agent`: any registered agent's token, whatever the agent's state: the work long poll and the heartbeat,
 *   which tell a pending or disabled agent its state and give it nothing else.
 * - `agent-lease`: an agent holding the lease named by `x-fawkes-lease` on the job run in the path
 *   (`:jobRunId`): its reports and uploads. An agent disabled while building may finish its job (GoCD).
 * - `agent-fetch`: an enabled, live agent whose held job (named by its lease) fetches from the job run in the
 *   path (`:pipeline/:counter/:stage/:stageCounter/:job`, and `:artifactId` for an external artifact).
 */
export const ROUTE_ACCESS = ["public", "user", "agent", "agent-lease", "agent-fetch"] as const;
export type RouteAccess = (typeof ROUTE_ACCESS)[number];

/**
 * What a `user` route needs (`view` reads, `operate` acts on runs, `admin` changes the server) and where:
 * `global`, or `pipeline` — on the pipeline named by the route's `:name`, where a role granted in the
 * pipeline's group counts too. A `user` route that declares no permission needs `admin` globally: what is not
 * declared is denied to all but administrators.
 */
export interface RoutePermission {
  permission: Permission;
  scope: "global" | "pipeline";
}

export const UNDECLARED_PERMISSION: RoutePermission = Object.freeze({ permission: "admin", scope: "global" });

declare module "fastify" {
  interface FastifyContextConfig {
    /** Set on every route (see {@link RouteAccess}); the onRoute check refuses a route without it. */
    access?: RouteAccess;
    /** For `user` routes: see {@link RoutePermission}. @default {permission: "admin", scope: "global"} */
    permission?: RoutePermission;
  }
}

const SCOPE_ACCESS = "fawkesScopeAccess";

/**
 * Declares the access of every route a plugin registers in `scope` without passing route options of ours
 * (the web UI's static files): a declaration for the whole scope, still explicit.
 */
export function declareScopeAccess(scope: FastifyInstance, access: RouteAccess): void {
  scope.decorate(SCOPE_ACCESS, access);
}

/** The onRoute hook: a route must declare its access (in its config, or by its scope), or start-up fails. */
export function requireDeclaredAccess(this: FastifyInstance, route: RouteOptions): void {
  const declared =
    route.config?.access ??
    (this.hasDecorator(SCOPE_ACCESS)
      ? (this as unknown as Record<string, unknown>)[SCOPE_ACCESS]
      : undefined);
  if (!ROUTE_ACCESS.includes(declared as RouteAccess))
    throw new Error(
      `route ${String(route.method)} ${route.url} declares no access (${ROUTE_ACCESS.join(", ")}): every route must (http/access.ts)`,
    );
  route.config = { ...route.config, access: declared as RouteAccess };
}

const agentOfRequest = new WeakMap<FastifyRequest, AgentRecord>();
const heldJobOfRequest = new WeakMap<FastifyRequest, JobRunRecord>();

/**
 * The job run an `agent-lease` route's request holds, as the access check read it (committed, before the
 * handler ran). A handler that changes the job re-reads it in its step; one that only needs where the job's
 * console and artifacts go uses this row and spares a query.
 */
export function heldJobOf(request: FastifyRequest): JobRunRecord {
  const job = heldJobOfRequest.get(request);
  if (!job) throw new Error(`${request.routeOptions.url} is not an agent-lease route: no job was checked`);
  return job;
}

const principalOfRequest = new WeakMap<FastifyRequest, Principal>();

/** The user a `user` route's request was authenticated as. */
export function principalOf(request: FastifyRequest): Principal {
  const principal = principalOfRequest.get(request);
  if (!principal)
    throw new Error(`${request.routeOptions.url} is not a user route: no user was authenticated`);
  return principal;
}

/** The agent an `agent*` route's request was authenticated as. */
export function agentOf(request: FastifyRequest): AgentRecord {
  const agent = agentOfRequest.get(request);
  if (!agent)
    throw new Error(`${request.routeOptions.url} is not an agent route: no agent was authenticated`);
  return agent;
}

const header = (request: FastifyRequest, name: string): string | undefined => {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
};

const unauthorizedUser = (): FawkesError =>
  new FawkesError(
    ErrorCode.unauthorized,
    "missing or wrong API token: `fawkes login`, pass --token, set FAWKES_TOKEN, or use the token in <data-dir>/keys/api-token",
  );

const isWrite = (request: FastifyRequest): boolean => request.method !== "GET" && request.method !== "HEAD";

/** The onRequest hook that enforces each route's declared access. */
export function authorizer(engine: Engine, keys: ServerKeys): (request: FastifyRequest) => Promise<void> {
  const { db } = engine.ctx;
  const fetchScope = new FetchScope(engine);

  const authenticateUser = async (request: FastifyRequest): Promise<Principal> => {
    const auth = request.headers.authorization;
    if (auth !== undefined) {
      const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
      // The API token file's holder is the bootstrap administrator (docs/security.md).
      if (token && sameSecret(token, keys.apiToken)) return BOOTSTRAP_ADMIN;
      const principal = isPersonalToken(token) ? await principalOfToken(engine.ctx, token) : undefined;
      if (!principal) throw unauthorizedUser();
      return principal;
    }
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = await sessionOf(db, id, engine.ctx.now());
    const principal =
      session === undefined
        ? undefined
        : session.userId === null
          ? BOOTSTRAP_ADMIN
          : await principalOfUser(db, session.userId);
    if (!principal || id === undefined) throw unauthorizedUser();
    if (isWrite(request)) {
      // The cookie is SameSite=Strict; a cross-origin write is refused all the same, and a write must prove
      // it comes from a page that could read the session's CSRF token.
      refuseCrossOrigin(request);
      if (!validCsrfToken(id, header(request, CSRF_HEADER)))
        throw new FawkesError(
          ErrorCode.csrfTokenInvalid,
          `a write with the session cookie needs the session's CSRF token in ${CSRF_HEADER} (GET /api/v1/session)`,
        );
    }
    return principal;
  };

  const requireUser = async (request: FastifyRequest): Promise<void> => {
    const principal = await authenticateUser(request);
    principalOfRequest.set(request, principal);
    setActor(request, { kind: "user", name: principal.name });
    const { permission, scope } = request.routeOptions.config.permission ?? UNDECLARED_PERMISSION;
    const pipeline = scope === "pipeline" ? (request.params as Record<string, string>).name : undefined;
    // A pipeline the config does not hold has no group: only the global role counts.
    const group = pipeline === undefined ? undefined : engine.config.pipeline(pipeline)?.group;
    if (!allows(principal, permission, group))
      throw new FawkesError(
        ErrorCode.permissionDenied,
        `${principal.name} may not do this: it needs the ${permission} permission${
          group === undefined ? "" : ` on pipeline group ${group}`
        }`,
      );
  };

  const knownAgent = async (request: FastifyRequest): Promise<AgentRecord> => {
    const auth = header(request, "authorization") ?? "";
    const token = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    // From memory unless a step changed agents since (step-watched-cache.ts): no query per long poll.
    const agent = token ? await agentOfToken(engine, hashToken(token)) : undefined;
    if (!agent) throw new FawkesError(ErrorCode.unauthorized, "unknown agent token: register again");
    agentOfRequest.set(request, agent);
    setActor(request, { kind: "agent", name: agent.name });
    return agent;
  };

  const requireLeaseHolder = async (request: FastifyRequest): Promise<void> => {
    const agent = await knownAgent(request);
    engine.dispatcher.touch(agent);
    const jobRunId = intParam((request.params as Record<string, string>).jobRunId ?? "", "job run id");
    const job = await heldJobRun(engine, agent, jobRunId, header(request, AgentHeader.lease));
    if (!job) throw leaseLost(jobRunId);
    heldJobOfRequest.set(request, job);
  };

  const requireFetcher = async (request: FastifyRequest): Promise<void> => {
    const agent = await knownAgent(request);
    // Before `touch`: an agent that went silent long enough to be lost must come back through a heartbeat.
    const state = engine.dispatcher.stateOf(agent);
    if (state !== "idle" && state !== "building")
      throw new FawkesError(
        ErrorCode.agentNotEnabled,
        `agent ${agent.name} is ${state}: it reads no artifacts until an administrator enables it`,
      );
    engine.dispatcher.touch(agent);
    const lease = header(request, AgentHeader.lease);
    const job =
      lease && agent.currentJobRunId !== null
        ? await heldJobRun(engine, agent, agent.currentJobRunId, lease)
        : undefined;
    if (!job || !lease)
      throw new FawkesError(
        ErrorCode.forbidden,
        "an artifact read needs the lease (x-fawkes-lease) of the job this agent holds",
      );
    const p = request.params as Record<string, string>;
    const from: JobLocator = {
      pipeline: p.pipeline ?? "",
      counter: intParam(p.counter ?? "", "counter"),
      stage: p.stage ?? "",
      stageCounter: intParam(p.stageCounter ?? "", "stage counter"),
      job: p.job ?? "",
    };
    if (!(await fetchScope.allows(job, lease, from, p.artifactId ?? null)))
      throw new FawkesError(
        ErrorCode.forbidden,
        `${from.pipeline}/${from.counter}/${from.stage}/${from.stageCounter}/${from.job} is not fetched by the job this agent holds`,
      );
  };

  return async (request) => {
    // The not-found handler is public: it answers a 404 problem, or the web UI's index.html for its routes.
    const access: RouteAccess | undefined = request.is404 ? "public" : request.routeOptions.config.access;
    switch (access) {
      case "public":
        return;
      case "user":
        return requireUser(request);
      case "agent":
        engine.dispatcher.touch(await knownAgent(request));
        return;
      case "agent-lease":
        return requireLeaseHolder(request);
      case "agent-fetch":
        return requireFetcher(request);
      default:
        // Unreachable (requireDeclaredAccess) unless a route slipped past it: refuse.
        throw new FawkesError(ErrorCode.forbidden, "this route declares no access");
    }
  };
}
