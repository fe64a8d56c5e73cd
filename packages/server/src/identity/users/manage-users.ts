/**
 * Users: create, list, change role / password / disabled, delete, grant a role in a pipeline group; and the
 * first start's administrator. Passwords are hashed before the step (scrypt is slow; the step holds the
 * engine's mutex). Disabling a user, or giving them a new password, ends their sessions; disabled users'
 * tokens are refused while they stay disabled, and deleting a user deletes their sessions and revokes their
 * tokens (one `token.revoke` entry each, in the delete's step).
 * Each change takes `by`, who asked, and records its audit entry in the change's step (docs/audit.md); a change
 * without an origin (the first start's administrator, a test's set-up) is not recorded.
 */
import {
  ErrorCode,
  FawkesError,
  type CreateUserRequest,
  type CreatedUserDto,
  type UpdateUserRequest,
  type UserDto,
  type UserRole,
} from "@fawkes/protocol";
import type { EngineContext } from "../../engine/context.ts";
import { auditTarget, recordAudit, SYSTEM_ACTOR, type AuditOrigin } from "../../services/audit.ts";
import type { Executor } from "../../store/executor.ts";
import { deleteSessionsOfUser } from "../../store/sessions-repo.ts";
import {
  allGroupRoles,
  countUsers,
  deleteUser as deleteUserRow,
  findUserByName,
  groupRolesOf,
  insertUser,
  listUsers as listUserRows,
  removeGroupRole,
  setGroupRole,
  updateUser as updateUserRow,
  type UserRecord,
} from "../../store/users-repo.ts";
import { revokeTokensOfUser } from "./api-tokens.ts";
import { hashPassword, randomPassword } from "./passwords.ts";

const toDto = (user: UserRecord, groups: Record<string, UserRole>): UserDto => ({
  name: user.name,
  role: user.role,
  disabled: user.disabled,
  createdAt: user.createdAt,
  groups,
});

async function requireUser(db: Executor, name: string): Promise<UserRecord> {
  const user = await findUserByName(db, name);
  if (!user) throw new FawkesError(ErrorCode.userNotFound, `no user named ${name}: \`fawkes users list\``);
  return user;
}

/** One audit entry of a user change, when someone asked for it (`by`). */
async function audit(
  db: Executor,
  by: AuditOrigin | undefined,
  at: number,
  action: "user.create" | "user.role" | "user.disable" | "user.enable" | "user.delete" | "user.password",
  name: string,
  details?: object,
): Promise<void> {
  if (by === undefined) return;
  await recordAudit(db, { ...by, action, target: auditTarget.user(name), ...(details && { details }), at });
}

async function userDto(db: Executor, user: UserRecord): Promise<UserDto> {
  return toDto(user, await groupRolesOf(db, user.id));
}

export async function listUsers(ctx: EngineContext): Promise<UserDto[]> {
  const grants = await allGroupRoles(ctx.db);
  return (await listUserRows(ctx.db)).map((user) => toDto(user, grants.get(user.id) ?? {}));
}

export async function createUser(
  ctx: EngineContext,
  request: CreateUserRequest,
  by?: AuditOrigin,
): Promise<CreatedUserDto> {
  const password = request.password ?? randomPassword();
  const passwordHash = await hashPassword(password);
  const user = await ctx.step(async (tx) => {
    if (await findUserByName(tx.db, request.name))
      throw new FawkesError(ErrorCode.userExists, `a user named ${request.name} exists`);
    const created = await insertUser(tx.db, {
      name: request.name,
      passwordHash,
      role: request.role,
      disabled: false,
      createdAt: tx.now(),
    });
    await audit(tx.db, by, tx.now(), "user.create", request.name, {
      role: request.role,
      passwordGenerated: request.password === undefined,
    });
    tx.log.info({ user: request.name, role: request.role }, "user created");
    return created;
  });
  return { user: toDto(user, {}), ...(request.password === undefined && { password }) };
}

export async function updateUser(
  ctx: EngineContext,
  name: string,
  request: UpdateUserRequest,
  by?: AuditOrigin,
): Promise<UserDto> {
  const passwordHash = request.password === undefined ? undefined : await hashPassword(request.password);
  return ctx.step(async (tx) => {
    const user = await requireUser(tx.db, name);
    await updateUserRow(tx.db, user.id, {
      ...(request.role !== undefined && { role: request.role }),
      ...(request.disabled !== undefined && { disabled: request.disabled }),
      ...(passwordHash !== undefined && { passwordHash }),
    });
    if (passwordHash !== undefined || request.disabled === true) await deleteSessionsOfUser(tx.db, user.id);
    // One entry per change made; a field set to what it already was changes nothing and is not recorded.
    if (request.role !== undefined && request.role !== user.role)
      await audit(tx.db, by, tx.now(), "user.role", name, { role: request.role, before: user.role });
    if (request.disabled !== undefined && request.disabled !== user.disabled)
      await audit(tx.db, by, tx.now(), request.disabled ? "user.disable" : "user.enable", name);
    if (passwordHash !== undefined) await audit(tx.db, by, tx.now(), "user.password", name);
    tx.log.info(
      {
        user: name,
        role: request.role,
        disabled: request.disabled,
        passwordChanged: passwordHash !== undefined,
      },
      "user changed",
    );
    return userDto(tx.db, (await findUserByName(tx.db, name))!);
  });
}

export async function deleteUser(ctx: EngineContext, name: string, by?: AuditOrigin): Promise<void> {
  await ctx.step(async (tx) => {
    const user = await requireUser(tx.db, name);
    // Its tokens stop working with it: each one's revocation is in the log, in this step.
    await revokeTokensOfUser(tx.db, user, tx.now(), by);
    await deleteUserRow(tx.db, user.id);
    await audit(tx.db, by, tx.now(), "user.delete", name, { role: user.role });
    tx.log.info({ user: name }, "user deleted");
  });
}

/** Grants `role` in `group` (null removes the grant). Granting the role held, or removing none, records nothing. */
export async function grantGroupRole(
  ctx: EngineContext,
  name: string,
  group: string,
  role: UserRole | null,
  by?: AuditOrigin,
): Promise<UserDto> {
  return ctx.step(async (tx) => {
    const user = await requireUser(tx.db, name);
    const before = (await groupRolesOf(tx.db, user.id))[group] ?? null;
    if (role === null) await removeGroupRole(tx.db, user.id, group);
    else await setGroupRole(tx.db, user.id, group, role);
    if (by !== undefined && role !== before)
      await recordAudit(tx.db, {
        ...by,
        action: role === null ? "user.grant.revoke" : "user.grant",
        target: auditTarget.user(name),
        details: role === null ? { group, before } : { group, role, before },
        at: tx.now(),
      });
    tx.log.info({ user: name, group, role }, "user group role changed");
    return userDto(tx.db, user);
  });
}

/**
 * On a data directory's first start (no user at all): creates the administrator `admin` with a random
 * password and returns it, for `fawkes up`/`fawkes server` to print once. Undefined on every later start.
 */
export async function ensureInitialAdmin(
  ctx: EngineContext,
): Promise<{ user: string; password: string } | undefined> {
  if ((await countUsers(ctx.db)) > 0) return undefined;
  const password = randomPassword();
  const passwordHash = await hashPassword(password);
  return ctx.step(async (tx) => {
    if ((await countUsers(tx.db)) > 0) return undefined;
    await insertUser(tx.db, {
      name: "admin",
      passwordHash,
      role: "admin",
      disabled: false,
      createdAt: tx.now(),
    });
    await audit(tx.db, { actor: SYSTEM_ACTOR }, tx.now(), "user.create", "admin", {
      role: "admin",
      passwordGenerated: true,
    });
    tx.log.info({ user: "admin" }, "initial administrator created");
    return { user: "admin", password };
  });
}
