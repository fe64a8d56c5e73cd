/** The HTTP server: REST API (/api/v1), agent protocol (/agent/v1), one error mapping, access per route. */
import {
  ApiRoutes,
  ApiTokenDto,
  ErrorCode,
  FawkesError,
  Health,
  SessionDto,
  SessionRequest,
} from "@fawkes/protocol";
import Fastify, {
  LogController,
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyRequest,
} from "fastify";
import type { Logger } from "pino";
import type { Engine } from "../engine/engine.ts";
import { rotateApiToken, type ServerKeys } from "../keys.ts";
import { auditTarget, recordAudit } from "../services/audit.ts";
import { checkLogin, TooManyLogins } from "../identity/users/log-in.ts";
import { LoginLimiter } from "../identity/users/login-limiter.ts";
import { decoyHash } from "../identity/users/passwords.ts";
import { BOOTSTRAP_ADMIN, principalOfUser } from "../identity/users/principal.ts";
import { sameSecret } from "../services/register-agent.ts";
import { auditOrigin, auditOriginAs } from "./audit-origin.ts";
import { authorizer, requireDeclaredAccess } from "./access.ts";
import { agentAdminRoutes } from "./api-agents.ts";
import { auditRoutes } from "./api-audit.ts";
import { consoleRoutes } from "./api-console.ts";
import { eventRoutes } from "./api-events.ts";
import { materialRoutes, webhookRoutes } from "./api-materials.ts";
import { pipelineRoutes } from "./api-pipelines.ts";
import { agentRoutes } from "./agent-routes.ts";
import { bucketRoutes } from "./api-buckets.ts";
import { credentialRoutes } from "./api-credentials.ts";
import { instanceRoutes, type InstanceDirectory } from "./api-instances.ts";
import { cloudInstanceDirectory } from "./instance-directory.ts";
import { roleRoutes } from "./api-roles.ts";
import { stackRoutes } from "./api-stacks.ts";
import { retryLater, userRoutes } from "./api-users.ts";
import { notFoundHandler } from "./not-found.ts";
import { oidcRoutes } from "./oidc-routes.ts";
import { openApiDocument } from "./openapi.ts";
import { sendProblem } from "./problem.ts";
import { RouteRegistry } from "./registry.ts";
import {
  clearedSessionCookie,
  cookieValue,
  createSession,
  csrfTokenOf,
  endAllSessions,
  endSession,
  SESSION_COOKIE,
  sessionCookie,
  sessionOf,
} from "./session.ts";
import { webUi } from "./web-ui.ts";

export const VERSION = "0.1.0";

/** The rate limiter's user key for logins with the API token file. */
const API_TOKEN_LOGIN = "(api-token)";

/**
 * Requests are parsed with zod in the handlers and replies are plain JSON, so no route declares a fastify
 * schema. Without these, fastify would load ajv and fast-json-stringify anyway (~4 MB resident); a route that
 * did declare one fails at start-up rather than go unvalidated.
 */
function noRouteSchemas(): never {
  throw new Error("fastify route schemas are not used in Fawkes: parse requests with zod (http/problem.ts)");
}

export interface AppParts {
  /** The phoenix instances the instance routes show. @default the cloud runtime's (503 without one) */
  instances?: () => InstanceDirectory | undefined;
}

export async function buildApp(
  engine: Engine,
  keys: ServerKeys,
  log: Logger,
  parts: AppParts = {},
): Promise<{ app: FastifyInstance; routes: RouteRegistry }> {
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    return503OnClosing: true,
    forceCloseConnections: true,
    // A stack's id is its ARN (name up to 128 characters + a UUID): the router's default of 100 characters per
    // path parameter would answer 404 for the stack routes of any name longer than about 15.
    routerOptions: { maxParamLength: 512 },
    // A malformed path (`/%zz`) never reaches routing: answer it with a problem like any other bad request.
    frameworkErrors: (error, request, reply) => sendProblem(request, reply, error),
    schemaController: {
      compilersFactory: { buildValidator: noRouteSchemas, buildSerializer: noRouteSchemas },
    },
  });
  const routes = new RouteRegistry();

  // Before any route is added: a route that declares no access stops the start-up.
  app.addHook("onRoute", requireDeclaredAccess);
  app.addHook("onRequest", authorizer(engine, keys));
  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler(notFoundHandler(await webUi(app)));

  const { db } = engine.ctx;
  const limiter = new LoginLimiter(() => engine.ctx.now());
  // Computed now, not at the first login naming an unknown user, whose answer would then take longer.
  void decoyHash();
  const cookieOf = (request: FastifyRequest): string | undefined =>
    cookieValue(request.headers.cookie, SESSION_COOKIE);
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.session,
      summary: "Whether this browser is logged in, as whom, and the session's CSRF token",
      tag: "server",
      access: "public",
      response: SessionDto,
    },
    async (request): Promise<SessionDto> => {
      const id = cookieOf(request);
      const session = await sessionOf(db, id, engine.ctx.now());
      if (!session || id === undefined) return { authenticated: false };
      const principal = session.userId === null ? BOOTSTRAP_ADMIN : await principalOfUser(db, session.userId);
      if (!principal) return { authenticated: false };
      return { authenticated: true, user: principal.name, csrfToken: csrfTokenOf(id) };
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.session,
      summary: "Log the web UI in with a user's name and password (or the bootstrap API token)",
      tag: "server",
      access: "public",
      body: SessionRequest,
      response: SessionDto,
    },
    async (request, reply, body): Promise<SessionDto> => {
      let userId: number | null;
      let name: string;
      if ("token" in body) {
        const wait = limiter.retryAfterSeconds(request.ip, API_TOKEN_LOGIN);
        if (wait > 0) throw retryLater(reply, new TooManyLogins(wait));
        if (!sameSecret(body.token, keys.apiToken)) {
          limiter.failed(request.ip, API_TOKEN_LOGIN);
          throw new FawkesError(
            ErrorCode.unauthorized,
            "wrong API token: use the one in <data-dir>/keys/api-token",
          );
        }
        userId = null;
        name = BOOTSTRAP_ADMIN.name;
      } else {
        const user = await checkLogin(engine.ctx, limiter, request.ip, body.user, body.password).catch(
          (error: unknown) => {
            throw retryLater(reply, error);
          },
        );
        userId = user.id;
        name = user.name;
      }
      const session = await db.transaction().execute(async (trx) => {
        const id = await createSession(trx, engine.ctx.now(), userId);
        await recordAudit(trx, {
          ...auditOriginAs(request, { kind: "user", name }),
          action: "session.login",
          target: auditTarget.session,
          at: engine.ctx.now(),
        });
        return id;
      });
      reply.header("set-cookie", sessionCookie(session, request.protocol === "https"));
      return { authenticated: true, user: name, csrfToken: csrfTokenOf(session) };
    },
  );
  routes.add(
    app,
    { method: "DELETE", path: ApiRoutes.session, summary: "Log out", tag: "server", access: "public" },
    async (request, reply) => {
      // Ends the session on the server too: a copy of the cookie stops working. Only an ended session is audited,
      // as its user.
      const id = cookieOf(request);
      const ended = await sessionOf(db, id, engine.ctx.now());
      const user =
        ended && (ended.userId === null ? BOOTSTRAP_ADMIN : await principalOfUser(db, ended.userId));
      await db.transaction().execute(async (trx) => {
        if ((await endSession(trx, id)) && user)
          await recordAudit(trx, {
            ...auditOriginAs(request, { kind: "user", name: user.name }),
            action: "session.logout",
            target: auditTarget.session,
            at: engine.ctx.now(),
          });
      });
      reply.header("set-cookie", clearedSessionCookie);
    },
  );
  userRoutes(app, routes, engine, limiter);
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.apiTokenRotate,
      summary:
        "Replace the API token (the answer holds the new one, shown only this once) and end every web session",
      tag: "server",
      access: "user",
      permission: "admin",
      response: ApiTokenDto,
    },
    async (request, reply) => {
      // The token file is replaced last, inside the transaction: a failure before it keeps the old token, the
      // sessions and no entry.
      const token = await db.transaction().execute(async (trx) => {
        await endAllSessions(trx);
        await recordAudit(trx, {
          ...auditOrigin(request),
          action: "api-token.rotate",
          target: auditTarget.apiToken,
          at: engine.ctx.now(),
        });
        return rotateApiToken(engine.ctx.options.dataDir, keys);
      });
      engine.ctx.log.info("api token rotated; web sessions ended");
      reply.header("set-cookie", clearedSessionCookie);
      return { token };
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.health,
      summary: "Liveness",
      tag: "server",
      access: "public",
      response: Health,
    },
    async () => ({ status: "ok" as const, version: VERSION }),
  );
  pipelineRoutes(app, routes, engine);
  agentAdminRoutes(app, routes, engine);
  consoleRoutes(app, routes, engine);
  eventRoutes(app, routes, engine);
  materialRoutes(app, routes, engine);
  credentialRoutes(app, routes, engine);
  roleRoutes(app, routes, engine);
  bucketRoutes(app, routes, engine);
  stackRoutes(app, routes, engine);
  instanceRoutes(app, routes, parts.instances ?? cloudInstanceDirectory(() => engine.ctx.cloud), () =>
    engine.ctx.now(),
  );
  oidcRoutes(app, routes, engine);
  auditRoutes(app, routes, engine);
  void app.register(async (scope) => webhookRoutes(scope, routes, engine));
  void app.register(async (scope) => agentRoutes(scope, routes, engine, keys));
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.openapi,
      summary: "This document",
      tag: "server",
      access: "public",
      produces: "application/json",
    },
    async () => openApiDocument(routes, VERSION),
  );
  return { app, routes };
}
