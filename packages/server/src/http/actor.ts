/**
 * Who made a request, as the audit log and the services record it. Set by the access check (http/access.ts)
 * on every authenticated request; `system` is the server itself (timers, material polls, config loads).
 */
import type { FastifyRequest } from "fastify";

export interface Actor {
  kind: "user" | "agent" | "system";
  /** The user's login, the agent's name, or `fawkes` for the system. */
  name: string;
}

export const SYSTEM_ACTOR: Actor = Object.freeze({ kind: "system", name: "fawkes" });

const actorOfRequest = new WeakMap<FastifyRequest, Actor>();

export function setActor(request: FastifyRequest, actor: Actor): void {
  actorOfRequest.set(request, actor);
}

/** The authenticated caller of a request; anonymous (public) requests have none. */
export function actorOf(request: FastifyRequest): Actor | undefined {
  return actorOfRequest.get(request);
}
