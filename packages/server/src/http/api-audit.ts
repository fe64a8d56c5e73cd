/** The audit log: GET /api/v1/audit, filtered and paged newest first (services/audit.ts). */
import { ApiRoutes, AuditListDto, AuditQuery } from "@fawkes/protocol";
import type { FastifyInstance } from "fastify";
import type { Engine } from "../engine/engine.ts";
import { listAudit } from "../services/audit.ts";
import type { RouteRegistry } from "./registry.ts";

export function auditRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.audit,
      summary: "The audit log, newest first: who changed what, when (filter by actor, action, target, time)",
      tag: "audit",
      access: "user",
      query: AuditQuery,
      response: AuditListDto,
    },
    async (request) => listAudit(engine.ctx.db, request.query),
  );
}
