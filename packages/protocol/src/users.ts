/**
 * Users, their roles and personal API tokens (REST DTOs). GoCD's model: a global role, and per pipeline group
 * a role that can only add to it; a user's permission on a pipeline is the higher of the two.
 */
import { z } from "zod";

/** A user's role, globally or in a pipeline group. */
export const UserRole = z.enum(["viewer", "operator", "admin"]);
export type UserRole = z.infer<typeof UserRole>;

/** What a route needs: `view` (reads), `operate` (trigger, pause, approve, cancel, rerun), `admin`. */
export const Permission = z.enum(["view", "operate", "admin"]);
export type Permission = z.infer<typeof Permission>;

/** The permission each role grants. */
export const permissionOfRole: Readonly<Record<UserRole, Permission>> = Object.freeze({
  viewer: "view",
  operator: "operate",
  admin: "admin",
});

const rank: Readonly<Record<Permission, number>> = { view: 1, operate: 2, admin: 3 };

/** True when `held` is at least `needed`. */
export function permits(held: Permission, needed: Permission): boolean {
  return rank[held] >= rank[needed];
}

/** The higher of two permissions. */
export function higherPermission(a: Permission, b: Permission): Permission {
  return rank[a] >= rank[b] ? a : b;
}

/** The CSRF header of cookie-authenticated writes. */
export const CSRF_HEADER = "x-fawkes-csrf";

export const UserName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.@-]+$/, "letters, digits, _ . @ - only");
export const GroupName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only");
/** At least 12 characters: the only rule (length beats composition rules). */
export const Password = z.string().min(12, "at least 12 characters").max(1024);

/** GET /api/v1/me */
export const MeDto = z.object({
  user: z.string(),
  /** True for the holder of `<data-dir>/keys/api-token` (the bootstrap administrator, no user record). */
  bootstrap: z.boolean(),
  role: UserRole,
  /** Roles granted per pipeline group. */
  groups: z.record(z.string(), UserRole),
  /** The effective permission on each pipeline of the loaded config. */
  pipelines: z.record(z.string(), Permission),
  /** The permission needed to change config, agents, keys, users: the global one. */
  global: Permission,
});
export type MeDto = z.infer<typeof MeDto>;

export const UserDto = z.object({
  name: z.string(),
  role: UserRole,
  disabled: z.boolean(),
  createdAt: z.number().int(),
  groups: z.record(z.string(), UserRole),
});
export type UserDto = z.infer<typeof UserDto>;
export const UserListDto = z.object({ users: z.array(UserDto) });
export type UserListDto = z.infer<typeof UserListDto>;

/** POST /api/v1/users. Without a password the server picks one and returns it, shown only that once. */
export const CreateUserRequest = z.strictObject({
  name: UserName,
  role: UserRole,
  password: Password.optional(),
});
export type CreateUserRequest = z.infer<typeof CreateUserRequest>;
export const CreatedUserDto = z.object({ user: UserDto, password: z.string().optional() });
export type CreatedUserDto = z.infer<typeof CreatedUserDto>;

/** PATCH /api/v1/users/:user. A new password or disabling the user ends their sessions. */
export const UpdateUserRequest = z.strictObject({
  role: UserRole.optional(),
  disabled: z.boolean().optional(),
  password: Password.optional(),
});
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

/**
 * POST /api/v1/me/password: the caller changes their own password (the current one proves it is them). Their
 * other web sessions end; a caller using the session cookie gets a new session (the answer's CSRF token).
 */
export const ChangeOwnPasswordRequest = z.strictObject({
  currentPassword: z.string().min(1).max(1024),
  newPassword: Password,
});
export type ChangeOwnPasswordRequest = z.infer<typeof ChangeOwnPasswordRequest>;

/** PUT /api/v1/users/:user/groups/:group */
export const GrantRequest = z.strictObject({ role: UserRole });
export type GrantRequest = z.infer<typeof GrantRequest>;

export const ApiTokenInfoDto = z.object({
  id: z.string(),
  name: z.string(),
  user: z.string(),
  createdAt: z.number().int(),
  expiresAt: z.number().int().nullable(),
  lastUsedAt: z.number().int().nullable(),
});
export type ApiTokenInfoDto = z.infer<typeof ApiTokenInfoDto>;
export const ApiTokenListDto = z.object({ tokens: z.array(ApiTokenInfoDto) });
export type ApiTokenListDto = z.infer<typeof ApiTokenListDto>;

const tokenName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_.:@ -]+$/, "letters, digits, space, _ . : @ - only");
/** Days until a token expires; none = never. */
const expiresInDays = z.number().int().min(1).max(3650);

/** POST /api/v1/tokens: a token for the caller, or (an administrator) for `user`. */
export const CreateApiTokenRequest = z.strictObject({
  name: tokenName,
  expiresInDays: expiresInDays.optional(),
  user: UserName.optional(),
});
export type CreateApiTokenRequest = z.infer<typeof CreateApiTokenRequest>;
/** The token itself is in this answer only: the server keeps its SHA-256. */
export const CreatedApiTokenDto = ApiTokenInfoDto.extend({ token: z.string() });
export type CreatedApiTokenDto = z.infer<typeof CreatedApiTokenDto>;

/** POST /api/v1/login (`fawkes login`): a user's name and password for a new personal API token. */
export const LoginRequest = z.strictObject({
  user: z.string().min(1).max(64),
  password: z.string().min(1).max(1024),
  tokenName: tokenName.optional(),
  expiresInDays: expiresInDays.optional(),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

/** POST /agent/v1/token: the agent's new token; the old one is refused from this answer on. */
export const AgentTokenResponse = z.object({ token: z.string() });
export type AgentTokenResponse = z.infer<typeof AgentTokenResponse>;
