/** Access keys of the cloud endpoint: list (never secrets), create (the secret is in the answer, once), delete. */
import {
  AccessKeyListDto,
  ApiRoutes,
  CreateAccessKeyRequest,
  CreatedAccessKeyDto,
  ErrorCode,
  FawkesError,
  RevokedSessionsDto,
  RevokeSessionsRequest,
  StsSessionListDto,
  StsSessionListQuery,
  type StsSessionDto,
} from "@fawkes/protocol";
import type { FastifyInstance } from "fastify";
import type { AccessKeys } from "../cloud/access-keys.ts";
import type { Engine } from "../engine/engine.ts";
import type { Sessions, SessionView } from "../identity/sessions.ts";
import { parse } from "./problem.ts";
import { auditTarget, recordAudit } from "../services/audit.ts";
import { auditOrigin } from "./audit-origin.ts";
import type { RouteRegistry } from "./registry.ts";

export function credentialRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const tag = "credentials";
  // Read at request time: the server starts the cloud endpoint before listening, offline builds never do.
  const accessKeys = (): AccessKeys => {
    const cloud = engine.ctx.cloud;
    if (!cloud) throw new FawkesError(ErrorCode.notFound, "this server runs no cloud endpoint");
    return cloud.accessKeys;
  };
  const sessions = (): Sessions => {
    const cloud = engine.ctx.cloud;
    if (!cloud) throw new FawkesError(ErrorCode.notFound, "this server runs no cloud endpoint");
    return cloud.sessions;
  };
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.credentialSessions,
      summary: "List temporary credentials (STS and jobs' role sessions), live ones unless all=true",
      tag,
      access: "user",
      permission: "admin",
      response: StsSessionListDto,
    },
    async (request) => {
      const query = parse(StsSessionListQuery, request.query ?? {});
      const list = await sessions().list({
        all: query.all === "true",
        ...(query.role !== undefined ? { role: query.role } : {}),
      });
      return { sessions: list.map(sessionDto) };
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.credentialSessionsRevoke,
      summary:
        "Revoke temporary credentials: one session, a role's sessions, or all; refused from the next request",
      tag,
      access: "user",
      permission: "admin",
      body: RevokeSessionsRequest,
      response: RevokedSessionsDto,
    },
    async (request, _reply, body) => ({ revoked: await sessions().revoke(body, auditOrigin(request)) }),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.credentials,
      summary: "List the cloud endpoint's access keys (without secrets)",
      tag,
      access: "user",
      permission: "admin",
      response: AccessKeyListDto,
    },
    async () => ({ accessKeys: await accessKeys().list() }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.credentials,
      summary: "Create an access key with an IAM policy; the answer holds its secret, shown only this once",
      tag,
      access: "user",
      permission: "admin",
      body: CreateAccessKeyRequest,
      response: CreatedAccessKeyDto,
      status: 201,
    },
    async (request, _reply, body) =>
      accessKeys().createForUser(body.name, body.policy, (db, key) =>
        recordAudit(db, {
          ...auditOrigin(request),
          action: "access-key.create",
          target: auditTarget.accessKey(key.accessKeyId),
          details: { name: key.name, principal: key.principal, policy: body.policy },
          at: engine.ctx.now(),
        }),
      ),
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.credential,
      summary: "Delete an access key",
      tag,
      access: "user",
      permission: "admin",
    },
    async (request) => {
      const accessKeyId = (request.params as Record<string, string>).accessKeyId ?? "";
      await accessKeys().delete(accessKeyId, (db) =>
        recordAudit(db, {
          ...auditOrigin(request),
          action: "access-key.delete",
          target: auditTarget.accessKey(accessKeyId),
          at: engine.ctx.now(),
        }),
      );
    },
  );
}

function sessionDto(view: SessionView): StsSessionDto {
  const { principalArn, ...rest } = view;
  return { ...rest, principal: principalArn };
}
