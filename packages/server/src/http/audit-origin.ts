/** Who made a request and from where, as a service records it in the audit log (services/audit.ts). */
import type { FastifyRequest } from "fastify";
import type { AuditOrigin } from "../services/audit.ts";
import { actorOf, type Actor } from "./actor.ts";

/**
 * The authenticated caller of a `user`/`agent*` route and its address. Such a route always has an actor (the
 * access check set it before the handler ran); a route without one is a programming error, not a request's.
 */
export function auditOrigin(request: FastifyRequest): AuditOrigin {
  const actor = actorOf(request);
  if (!actor) throw new Error(`${request.routeOptions.url} has no authenticated actor to audit`);
  return { actor, sourceIp: request.ip };
}

/** A public route's origin, once the handler itself authenticated `actor` (session login, agent registration). */
export function auditOriginAs(request: FastifyRequest, actor: Actor): AuditOrigin {
  return { actor, sourceIp: request.ip };
}
