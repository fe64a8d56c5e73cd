/** The HTTP server: REST API (/api/v1), agent protocol (/agent/v1), one error mapping, bearer auth. */
import { ApiRoutes, ErrorCode, FawkesError, Health, SessionDto, SessionRequest } from "@fawkes/protocol";
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Logger } from "pino";
import type { Engine } from "../engine/engine.ts";
import type { ServerKeys } from "../keys.ts";
import { sameSecret } from "../services/register-agent.ts";
import { agentAdminRoutes } from "./api-agents.ts";
import { consoleRoutes } from "./api-console.ts";
import { eventRoutes } from "./api-events.ts";
import { materialRoutes, webhookRoutes } from "./api-materials.ts";
import { pipelineRoutes } from "./api-pipelines.ts";
import { agentRoutes } from "./agent-routes.ts";
import { bucketRoutes } from "./api-buckets.ts";
import { credentialRoutes } from "./api-credentials.ts";
import { openApiDocument } from "./openapi.ts";
import { sendProblem } from "./problem.ts";
import { RouteRegistry } from "./registry.ts";
import {
  clearedSessionCookie,
  cookieValue,
  newSession,
  SESSION_COOKIE,
  sessionCookie,
  validSession,
} from "./session.ts";
import { webUi } from "./web-ui.ts";

export const VERSION = "0.1.0";

const PUBLIC_PATHS = new Set<string>([
  ApiRoutes.health,
  ApiRoutes.openapi,
  ApiRoutes.webhook,
  ApiRoutes.session,
]);

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
    schemaController: {
      compilersFactory: { buildValidator: noRouteSchemas, buildSerializer: noRouteSchemas },
    },
  });
  const routes = new RouteRegistry();

  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  const sendIndex = await webUi(app);
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split("?")[0] ?? "";
    // Client-side routes of the web UI (/pipelines/x, /agents …) all load the app.
    if (request.method === "GET" && !path.startsWith("/api/") && !path.startsWith("/agent/"))
      return sendIndex(reply);
    return sendProblem(
      request,
      reply,
      new FawkesError(ErrorCode.notFound, 404, `no route ${request.method} ${path}`),
    );
  });

  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0] ?? "";
    if (!path.startsWith("/api/") || PUBLIC_PATHS.has(path)) return;
    const auth = request.headers.authorization ?? "";
    if (auth.startsWith("Bearer ") && sameSecret(auth.slice(7), keys.apiToken)) return;
    if (
      !auth &&
      validSession(keys.apiToken, cookieValue(request.headers.cookie, SESSION_COOKIE), Date.now())
    ) {
      // The cookie is SameSite=Strict; a cross-origin write is refused all the same.
      const origin = request.headers.origin;
      if (request.method !== "GET" && origin && new URL(origin).host !== request.headers.host) {
        throw new FawkesError(ErrorCode.forbidden, 403, "cross-origin request refused");
      }
      return;
    }
    throw new FawkesError(
      ErrorCode.unauthorized,
      401,
      "missing or wrong API token: pass --token, set FAWKES_TOKEN, or use the token in <data-dir>/keys/api-token",
    );
  });

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.session,
      summary: "Whether this browser is logged in",
      tag: "server",
      public: true,
      response: SessionDto,
    },
    async (request) => ({
      authenticated: validSession(
        keys.apiToken,
        cookieValue(request.headers.cookie, SESSION_COOKIE),
        Date.now(),
      ),
    }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.session,
      summary: "Log the web UI in with the API token",
      tag: "server",
      public: true,
      body: SessionRequest,
    },
    async (request, reply, body) => {
      if (!sameSecret(body.token, keys.apiToken))
        throw new FawkesError(
          ErrorCode.unauthorized,
          401,
          "wrong API token: use the one in <data-dir>/keys/api-token",
        );
      reply.header(
        "set-cookie",
        sessionCookie(newSession(keys.apiToken, Date.now()), request.protocol === "https"),
      );
    },
  );
  routes.add(
    app,
    { method: "DELETE", path: ApiRoutes.session, summary: "Log out", tag: "server", public: true },
    async (_request, reply) => {
      reply.header("set-cookie", clearedSessionCookie);
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.health,
      summary: "Liveness",
      tag: "server",
      public: true,
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
  bucketRoutes(app, routes, engine);
  void app.register(async (scope) => webhookRoutes(scope, routes, engine));
  void app.register(async (scope) => agentRoutes(scope, engine, keys));
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.openapi,
      summary: "This document",
      tag: "server",
      public: true,
      produces: "application/json",
    },
    async () => openApiDocument(routes, VERSION),
  );
  return { app, routes };
}
