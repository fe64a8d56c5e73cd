/** The Users and Account pages' commands over the public REST API. */
import {
  ApiRoutes,
  apiPath,
  type ChangeOwnPasswordRequest,
  type CreateApiTokenRequest,
  type CreatedApiTokenDto,
  type CreatedUserDto,
  type CreateUserRequest,
  type SessionDto,
  type UpdateUserRequest,
  type GrantRequest,
  type UserDto,
  type UserRole,
} from "@fawkes/protocol";
import { send, setCsrfToken } from "./http.ts";

const required = <T>(answer: T | undefined, what: string): T => {
  if (answer === undefined) throw new Error(`The server sent no ${what}.`);
  return answer;
};

export const users = {
  create: async (request: CreateUserRequest) =>
    required(await send<CreatedUserDto>("POST", ApiRoutes.users, request), "user"),
  update: (user: string, request: UpdateUserRequest) =>
    send<UserDto>("PATCH", apiPath(ApiRoutes.user, { user }), request),
  delete: (user: string) => send("DELETE", apiPath(ApiRoutes.user, { user })),
  grant: (user: string, group: string, role: UserRole) =>
    send<UserDto>("PUT", apiPath(ApiRoutes.userGroup, { user, group }), { role } satisfies GrantRequest),
  removeGrant: (user: string, group: string) =>
    send<UserDto>("DELETE", apiPath(ApiRoutes.userGroup, { user, group })),
  createToken: async (request: CreateApiTokenRequest) =>
    required(await send<CreatedApiTokenDto>("POST", ApiRoutes.tokens, request), "token"),
  revokeToken: (tokenId: string) => send("DELETE", apiPath(ApiRoutes.token, { tokenId })),
  /** The server ends the user's sessions and starts a new one for this browser: its CSRF token replaces ours. */
  changeOwnPassword: async (request: ChangeOwnPasswordRequest) => {
    const session = await send<SessionDto>("POST", ApiRoutes.mePassword, request);
    if (session?.csrfToken !== undefined) setCsrfToken(session.csrfToken);
  },
};

/** A user's tokens (an administrator's view), or the caller's own. */
export const tokensPath = (user?: string): string =>
  user === undefined ? ApiRoutes.tokens : `${ApiRoutes.tokens}?${new URLSearchParams({ user }).toString()}`;
