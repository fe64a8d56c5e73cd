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
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Engine } from "../engine/engine.ts";
import { rotateApiToken, type ServerKeys } from "../keys.ts";
import { auditTarget, recordAudit } from "../services/audit.ts";
import { sameSecret } from "../services/register-agent.ts";
import type { Actor } from "./actor.ts";
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
import { roleRoutes } from "./api-roles.ts";
import { notFoundHandler } from "./not-found.ts";
import { oidcRoutes } from "./oidc-routes.ts";
import { openApiDocument } from "./openapi.ts";
import { sendProblem } from "./problem.ts";
import { RouteRegistry } from "./registry.ts";
import {
  clearedSessionCookie,
  cookieValue,
  createSession,
  endAllSessions,
  endSession,
  SESSION_COOKIE,
  sessionCookie,
  validSession,
} from "./session.ts";
import { webUi } from "./web-ui.ts";

export const VERSION = "0.1.0";

/** Who holds the API token (access.ts gives its bearer the same name): the administrator, until users exist. */
const TOKEN_HOLDER: Actor = Object.freeze({ kind: "user", name: "admin" });

/**
 * Requests are parsed with zod in the handlers and replies are plain JSON, so no route declares a fastify
 * schema. Without these, fastify would load ajv and fast-json-stringify anyway (~4 MB resident); a route that
 * did declare one fails at start-up rather than go unvalidated.
 */
function noRouteSchemas(): never {
  throw new Error("fastify route schemas are not used in Fawkes: parse requests with zod (http/problem.ts)");
}

export async function buildApp(
  engine: Engine,
  keys: ServerKeys,
  log: Logger,
): Promise<{ app: FastifyInstance; routes: RouteRegistry }> {
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    return503OnClosing: true,
    forceCloseConnections: true,
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
  const sessionOf = (cookie: string | undefined): string | undefined => cookieValue(cookie, SESSION_COOKIE);
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.session,
      summary: "Whether this browser is logged in",
      tag: "server",
      access: "public",
      response: SessionDto,
    },
    async (request) => ({
      authenticated: await validSession(db, sessionOf(request.headers.cookie), engine.ctx.now()),
    }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.session,
      summary: "Log the web UI in with the API token",
      tag: "server",
      access: "public",
      body: SessionRequest,
    },
    async (request, reply, body) => {
      if (!sameSecret(body.token, keys.apiToken))
        throw new FawkesError(
          ErrorCode.unauthorized,
          "wrong API token: use the one in <data-dir>/keys/api-token",
        );
      const session = await db.transaction().execute(async (trx) => {
        const id = await createSession(trx, engine.ctx.now());
        await recordAudit(trx, {
          ...auditOriginAs(request, TOKEN_HOLDER),
          action: "session.login",
          target: auditTarget.session,
          at: engine.ctx.now(),
        });
        return id;
      });
      reply.header("set-cookie", sessionCookie(session, request.protocol === "https"));
    },
  );
  routes.add(
    app,
    { method: "DELETE", path: ApiRoutes.session, summary: "Log out", tag: "server", access: "public" },
    async (request, reply) => {
      // Ends the session on the server too: a copy of the cookie stops working. Only an ended session is audited.
      await db.transaction().execute(async (trx) => {
        if (await endSession(trx, sessionOf(request.headers.cookie)))
          await recordAudit(trx, {
            ...auditOriginAs(request, TOKEN_HOLDER),
            action: "session.logout",
            target: auditTarget.session,
            at: engine.ctx.now(),
          });
      });
      reply.header("set-cookie", clearedSessionCookie);
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.apiTokenRotate,
      summary:
        "Replace the API token (the answer holds the new one, shown only this once) and end every web session",
      tag: "server",
      access: "user",
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
