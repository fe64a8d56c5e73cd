/** Who am I, users and their group roles, personal API tokens, and `fawkes login`. */
import {
  ApiRoutes,
  ApiTokenListDto,
  ChangeOwnPasswordRequest,
  CreateApiTokenRequest,
  CreatedApiTokenDto,
  CreatedUserDto,
  CreateUserRequest,
  ErrorCode,
  FawkesError,
  GrantRequest,
  GroupName,
  LoginRequest,
  MeDto,
  SessionDto,
  UpdateUserRequest,
  UserDto,
  UserListDto,
  type Permission,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyReply } from "fastify";
import type { Engine } from "../engine/engine.ts";
import { createApiToken, listTokenDtos, revokeApiToken } from "../identity/users/api-tokens.ts";
import { checkLogin, TooManyLogins } from "../identity/users/log-in.ts";
import type { LoginLimiter } from "../identity/users/login-limiter.ts";
import {
  createUser,
  deleteUser,
  grantGroupRole,
  listUsers,
  updateUser,
} from "../identity/users/manage-users.ts";
import { allows, globalPermission, groupPermission } from "../identity/users/principal.ts";
import { findUserByName } from "../store/users-repo.ts";
import { principalOf } from "./access.ts";
import { auditOrigin, auditOriginAs } from "./audit-origin.ts";
import { parse } from "./problem.ts";
import type { RouteRegistry } from "./registry.ts";
import {
  cookieValue,
  createSession,
  csrfTokenOf,
  SESSION_COOKIE,
  sessionCookie,
  sessionOf,
} from "./session.ts";

/** Sets `Retry-After` when `error` is the login rate limit; returns the error to rethrow. */
export function retryLater(reply: FastifyReply, error: unknown): unknown {
  if (error instanceof TooManyLogins) reply.header("retry-after", String(error.retryAfterSeconds));
  return error;
}

type Params = Record<string, string>;

export function userRoutes(
  app: FastifyInstance,
  routes: RouteRegistry,
  engine: Engine,
  limiter: LoginLimiter,
): void {
  const { ctx } = engine;
  const tag = "users";

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.me,
      summary: "The caller: user, roles and the effective permission on each pipeline",
      tag,
      access: "user",
      permission: "view",
      response: MeDto,
    },
    async (request): Promise<MeDto> => {
      const principal = principalOf(request);
      const pipelines: Record<string, Permission> = {};
      for (const pipeline of engine.config.snapshot().pipelines)
        pipelines[pipeline.name] = groupPermission(principal, pipeline.group);
      return {
        user: principal.name,
        bootstrap: principal.userId === null,
        role: principal.role,
        groups: { ...principal.groups },
        pipelines,
        global: globalPermission(principal),
      };
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.mePassword,
      summary: "Change your own password (your other web sessions end; this one gets a new session)",
      tag,
      access: "user",
      permission: "view",
      body: ChangeOwnPasswordRequest,
      response: SessionDto,
    },
    async (request, reply, body): Promise<SessionDto> => {
      const principal = principalOf(request);
      if (principal.userId === null)
        throw new FawkesError(
          ErrorCode.badRequest,
          "the bootstrap administrator has no password: rotate the API token (`fawkes token rotate`)",
        );
      // A wrong current password is a validation problem of this form, not a failed authentication (a 401 would
      // log the caller out); it counts towards the login rate limit all the same.
      await checkLogin(ctx, limiter, request.ip, principal.name, body.currentPassword).catch(
        (error: unknown) => {
          if (error instanceof FawkesError && error.code === ErrorCode.loginFailed)
            throw new FawkesError(ErrorCode.validation, "currentPassword: not your current password", {
              errors: [{ path: "currentPassword", message: "not your current password" }],
            });
          throw retryLater(reply, error);
        },
      );
      const cookie = cookieValue(request.headers.cookie, SESSION_COOKIE);
      const session = await sessionOf(ctx.db, cookie, ctx.now());
      const byCookie = session !== undefined && session.userId === principal.userId;
      await updateUser(ctx, principal.name, { password: body.newPassword }, auditOrigin(request));
      if (!byCookie) return { authenticated: true, user: principal.name };
      // The change ended every session of the user, this one too: the browser that made it stays logged in.
      const id = await createSession(ctx.db, ctx.now(), principal.userId);
      reply.header("set-cookie", sessionCookie(id, request.protocol === "https"));
      return { authenticated: true, user: principal.name, csrfToken: csrfTokenOf(id) };
    },
  );

  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.login,
      summary: "Trade a user's name and password for a new personal API token (shown only this once)",
      tag,
      access: "public",
      body: LoginRequest,
      response: CreatedApiTokenDto,
      status: 201,
    },
    async (request, reply, body) => {
      const user = await checkLogin(ctx, limiter, request.ip, body.user, body.password).catch(
        (error: unknown) => {
          throw retryLater(reply, error);
        },
      );
      return createApiToken(
        ctx,
        user,
        body.tokenName ?? "fawkes login",
        body.expiresInDays,
        auditOriginAs(request, { kind: "user", name: user.name }),
      );
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.users,
      summary: "List users",
      tag,
      access: "user",
      permission: "admin",
      response: UserListDto,
    },
    async () => ({ users: await listUsers(ctx) }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.users,
      summary: "Create a user (without a password, the answer holds a generated one, shown only this once)",
      tag,
      access: "user",
      permission: "admin",
      body: CreateUserRequest,
      response: CreatedUserDto,
      status: 201,
    },
    async (request, _reply, body) => createUser(ctx, body, auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "PATCH",
      path: ApiRoutes.user,
      summary: "Change a user's role, password or disabled flag",
      tag,
      access: "user",
      permission: "admin",
      body: UpdateUserRequest,
      response: UserDto,
    },
    async (request, _reply, body) =>
      updateUser(ctx, (request.params as Params).user ?? "", body, auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.user,
      summary: "Delete a user with their tokens and sessions",
      tag,
      access: "user",
      permission: "admin",
    },
    async (request) => {
      await deleteUser(ctx, (request.params as Params).user ?? "", auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.userGroup,
      summary: "Grant a user a role in a pipeline group",
      tag,
      access: "user",
      permission: "admin",
      body: GrantRequest,
      response: UserDto,
    },
    async (request, _reply, body) => {
      const { user, group } = request.params as Params;
      return grantGroupRole(ctx, user ?? "", parse(GroupName, group), body.role, auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.userGroup,
      summary: "Remove a user's role in a pipeline group",
      tag,
      access: "user",
      permission: "admin",
      response: UserDto,
    },
    async (request) => {
      const { user, group } = request.params as Params;
      return grantGroupRole(ctx, user ?? "", parse(GroupName, group), null, auditOrigin(request));
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.tokens,
      summary: "List personal API tokens: yours (an administrator: ?user=NAME or ?all=true)",
      tag,
      access: "user",
      permission: "view",
      response: ApiTokenListDto,
    },
    async (request) => {
      const principal = principalOf(request);
      const query = request.query as Record<string, string | undefined>;
      const others = query.all === "true" || (query.user !== undefined && query.user !== principal.name);
      if (others || principal.userId === null) {
        if (!allows(principal, "admin"))
          throw new FawkesError(ErrorCode.permissionDenied, "only an administrator lists others' tokens");
        if (query.user !== undefined && query.all !== "true") {
          const user = await findUserByName(ctx.db, query.user);
          if (!user) throw new FawkesError(ErrorCode.userNotFound, `no user named ${query.user}`);
          return { tokens: await listTokenDtos(ctx.db, user.id) };
        }
        return { tokens: await listTokenDtos(ctx.db) };
      }
      return { tokens: await listTokenDtos(ctx.db, principal.userId) };
    },
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.tokens,
      summary: "Create a personal API token (the answer holds it, shown only this once)",
      tag,
      access: "user",
      permission: "view",
      body: CreateApiTokenRequest,
      response: CreatedApiTokenDto,
      status: 201,
    },
    async (request, _reply, body) => {
      const principal = principalOf(request);
      const name = body.user ?? principal.name;
      if (body.user === undefined && principal.userId === null)
        throw new FawkesError(
          ErrorCode.badRequest,
          "the API token file belongs to no user: name the token's user (--user NAME), or `fawkes login` first",
        );
      if (name !== principal.name || principal.userId === null) {
        if (!allows(principal, "admin"))
          throw new FawkesError(ErrorCode.permissionDenied, "only an administrator creates others' tokens");
      }
      const user = await findUserByName(ctx.db, name);
      if (!user) throw new FawkesError(ErrorCode.userNotFound, `no user named ${name}`);
      return createApiToken(ctx, user, body.name, body.expiresInDays, auditOrigin(request));
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.token,
      summary: "Revoke a personal API token (yours; an administrator: anyone's)",
      tag,
      access: "user",
      permission: "view",
    },
    async (request) => {
      const principal = principalOf(request);
      await revokeApiToken(
        ctx,
        principal,
        (request.params as Params).tokenId ?? "",
        allows(principal, "admin"),
        auditOrigin(request),
      );
    },
  );
}
