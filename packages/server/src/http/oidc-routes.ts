/**
 * The OIDC issuer on the server's public URL: discovery and JWKS (public, as OIDC requires: relying parties
 * such as AWS IAM fetch them anonymously), the signing keys and their rotation (users), and a job's ID token
 * (the agent holding the job's lease).
 */
import {
  AgentHeader,
  ApiRoutes,
  ErrorCode,
  FawkesError,
  IdTokenRequest,
  IdTokenResponse,
  JwksDto,
  OidcDiscoveryDto,
  OidcKeyDto,
  OidcKeyListDto,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import type { JobIdTokens } from "../identity/oidc/index.ts";
import { requireLease } from "../services/job-reports.ts";
import { agentOf } from "./access.ts";
import { intParam } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";

export function oidcRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "oidc";
  // Read at request time: startServer sets it after building the engine.
  const oidc = (): JobIdTokens => {
    const issuer = engine.ctx.oidc;
    if (!issuer) throw new FawkesError(ErrorCode.notFound, "this server runs no OIDC issuer");
    return issuer;
  };
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.oidcDiscovery,
      summary: "OpenID Connect discovery document of the issuer of jobs' ID tokens",
      tag,
      access: "public",
      response: OidcDiscoveryDto,
    },
    async () => oidc().issuer.discovery(),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.oidcJwks,
      summary: "The public keys (JWK Set) that verify jobs' ID tokens",
      tag,
      access: "public",
      response: JwksDto,
    },
    async (_request, reply) => {
      // Short: a relying party sees a rotation's new key within a minute.
      reply.header("cache-control", "public, max-age=60");
      return oidc().issuer.keys.jwks();
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.oidcKeys,
      summary: "The OIDC issuer's signing keys (the last one signs)",
      tag,
      access: "user",
      permission: "view",
      response: OidcKeyListDto,
    },
    async () => ({ keys: await oidc().issuer.keys.list() }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.oidcRotateKey,
      summary: "Make a new OIDC signing key; the old one stays in the JWKS until its tokens expire",
      tag,
      access: "user",
      response: OidcKeyDto,
      status: 201,
    },
    async () => {
      const key = await oidc().issuer.keys.rotate();
      engine.ctx.log.info({ kid: key.kid }, "oidc signing key rotated");
      return key;
    },
  );
}

/** POST /agent/v1/jobs/:jobRunId/id-token: registered with the agent protocol's routes (its body parsers). */
export function agentIdTokenRoute(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  routes.add(
    app,
    {
      method: "POST",
      path: "/agent/v1/jobs/:jobRunId/id-token",
      summary: "An OIDC ID token for the held job, for one audience",
      tag: "agent protocol",
      access: "agent-lease",
      body: IdTokenRequest,
      response: IdTokenResponse,
    },
    async (request: FastifyRequest, _reply, body) => {
      const issuer = engine.ctx.oidc;
      if (!issuer) throw new FawkesError(ErrorCode.notFound, "this server runs no OIDC issuer");
      const jobRunId = intParam((request.params as Record<string, string>).jobRunId ?? "", "job run id");
      const lease = request.headers[AgentHeader.lease];
      const { job } = await requireLease(
        engine,
        agentOf(request),
        jobRunId,
        Array.isArray(lease) ? lease[0] : lease,
      );
      const issued = await issuer.tokenFor(engine.ctx, job, [body.audience]);
      engine.ctx.log.info({ jobRunId, audience: body.audience }, "job id token issued");
      return issued;
    },
  );
}
