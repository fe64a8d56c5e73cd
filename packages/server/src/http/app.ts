/** The HTTP server: REST API (/api/v1), agent protocol (/agent/v1), one error mapping, bearer auth. */
import { ApiRoutes, ErrorCode, FawkesError, Health } from "@fawkes/protocol";
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
import { openApiDocument } from "./openapi.ts";
import { sendProblem } from "./problem.ts";
import { RouteRegistry } from "./registry.ts";

export const VERSION = "0.1.0";

const PUBLIC_PATHS = new Set<string>([ApiRoutes.health, ApiRoutes.openapi, ApiRoutes.webhook]);

export function buildApp(
  engine: Engine,
  keys: ServerKeys,
  log: Logger,
): { app: FastifyInstance; routes: RouteRegistry } {
  const app: FastifyInstance = Fastify({
    loggerInstance: log as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 1_048_576,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  const routes = new RouteRegistry();

  app.setErrorHandler((error, request, reply) => sendProblem(request, reply, error));
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      new FawkesError(ErrorCode.notFound, 404, `no route ${request.method} ${request.url.split("?")[0]}`),
    ),
  );

  app.addHook("onRequest", async (request) => {
    const path = request.url.split("?")[0] ?? "";
    if (!path.startsWith("/api/") || PUBLIC_PATHS.has(path)) return;
    const auth = request.headers.authorization ?? "";
    if (!auth.startsWith("Bearer ") || !sameSecret(auth.slice(7), keys.apiToken)) {
      throw new FawkesError(
        ErrorCode.unauthorized,
        401,
        "missing or wrong API token: pass --token, set FAWKES_TOKEN, or use the token in <data-dir>/keys/api-token",
      );
    }
  });

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
