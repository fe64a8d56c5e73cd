/** Users, their per-group roles and personal API tokens (migration 012). Secrets are stored as hashes only. */
import type { UserRole } from "@fawkes/protocol";
import type { Executor } from "./executor.ts";
import { bool } from "./executor.ts";
import type { DbApiToken, DbUser } from "./schema.ts";

export interface UserRecord {
  id: number;
  name: string;
  passwordHash: string;
  role: UserRole;
  disabled: boolean;
  createdAt: number;
}

export interface ApiTokenRecord {
  id: string;
  userId: number;
  name: string;
  tokenHash: string;
  createdAt: number;
  expiresAt: number | null;
  lastUsedAt: number | null;
}

const toUser = (row: DbUser): UserRecord => ({
  id: Number(row.id),
  name: row.name,
  passwordHash: row.password_hash,
  role: row.role as UserRole,
  disabled: row.disabled !== 0,
  createdAt: Number(row.created_at),
});

export async function insertUser(db: Executor, user: Omit<UserRecord, "id">): Promise<UserRecord> {
  await db
    .insertInto("users")
    .values({
      name: user.name,
      password_hash: user.passwordHash,
      role: user.role,
      disabled: bool(user.disabled),
      created_at: user.createdAt,
    })
    .execute();
  return (await findUserByName(db, user.name))!;
}

export async function findUserByName(db: Executor, name: string): Promise<UserRecord | undefined> {
  const row = await db.selectFrom("users").selectAll().where("name", "=", name).executeTakeFirst();
  return row && toUser(row);
}

export async function findUserById(db: Executor, id: number): Promise<UserRecord | undefined> {
  const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toUser(row);
}

export async function listUsers(db: Executor): Promise<UserRecord[]> {
  return (await db.selectFrom("users").selectAll().orderBy("name").execute()).map(toUser);
}

export async function countUsers(db: Executor): Promise<number> {
  const row = await db
    .selectFrom("users")
    .select((eb) => eb.fn.countAll<number>().as("n"))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

export async function updateUser(
  db: Executor,
  id: number,
  changes: { role?: UserRole; disabled?: boolean; passwordHash?: string },
): Promise<void> {
  const values = {
    ...(changes.role !== undefined && { role: changes.role }),
    ...(changes.disabled !== undefined && { disabled: bool(changes.disabled) }),
    ...(changes.passwordHash !== undefined && { password_hash: changes.passwordHash }),
  };
  if (Object.keys(values).length > 0)
    await db.updateTable("users").set(values).where("id", "=", id).execute();
}

/** Deletes the user with their grants, tokens and sessions. */
export async function deleteUser(db: Executor, id: number): Promise<void> {
  await db.deleteFrom("api_tokens").where("user_id", "=", id).execute();
  await db.deleteFrom("user_group_roles").where("user_id", "=", id).execute();
  await db.deleteFrom("sessions").where("user_id", "=", id).execute();
  await db.deleteFrom("users").where("id", "=", id).execute();
}

/** Group name → role, for one user. */
export async function groupRolesOf(db: Executor, userId: number): Promise<Record<string, UserRole>> {
  const rows = await db
    .selectFrom("user_group_roles")
    .select(["group_name", "role"])
    .where("user_id", "=", userId)
    .orderBy("group_name")
    .execute();
  return Object.fromEntries(rows.map((row) => [row.group_name, row.role as UserRole]));
}

/** Every user's group roles: user id → group → role. */
export async function allGroupRoles(db: Executor): Promise<Map<number, Record<string, UserRole>>> {
  const rows = await db.selectFrom("user_group_roles").selectAll().orderBy("group_name").execute();
  const byUser = new Map<number, Record<string, UserRole>>();
  for (const row of rows) {
    const id = Number(row.user_id);
    byUser.set(id, { ...byUser.get(id), [row.group_name]: row.role as UserRole });
  }
  return byUser;
}

export async function setGroupRole(
  db: Executor,
  userId: number,
  group: string,
  role: UserRole,
): Promise<void> {
  await db
    .deleteFrom("user_group_roles")
    .where("user_id", "=", userId)
    .where("group_name", "=", group)
    .execute();
  await db.insertInto("user_group_roles").values({ user_id: userId, group_name: group, role }).execute();
}

export async function removeGroupRole(db: Executor, userId: number, group: string): Promise<void> {
  await db
    .deleteFrom("user_group_roles")
    .where("user_id", "=", userId)
    .where("group_name", "=", group)
    .execute();
}

const toToken = (row: DbApiToken): ApiTokenRecord => ({
  id: row.id,
  userId: Number(row.user_id),
  name: row.name,
  tokenHash: row.token_hash,
  createdAt: Number(row.created_at),
  expiresAt: row.expires_at === null ? null : Number(row.expires_at),
  lastUsedAt: row.last_used_at === null ? null : Number(row.last_used_at),
});

export async function insertApiToken(db: Executor, token: ApiTokenRecord): Promise<void> {
  await db
    .insertInto("api_tokens")
    .values({
      id: token.id,
      user_id: token.userId,
      name: token.name,
      token_hash: token.tokenHash,
      created_at: token.createdAt,
      expires_at: token.expiresAt,
      last_used_at: token.lastUsedAt,
    })
    .execute();
}

export async function findApiTokenByHash(
  db: Executor,
  tokenHash: string,
): Promise<ApiTokenRecord | undefined> {
  const row = await db
    .selectFrom("api_tokens")
    .selectAll()
    .where("token_hash", "=", tokenHash)
    .executeTakeFirst();
  return row && toToken(row);
}

export async function findApiToken(db: Executor, id: string): Promise<ApiTokenRecord | undefined> {
  const row = await db.selectFrom("api_tokens").selectAll().where("id", "=", id).executeTakeFirst();
  return row && toToken(row);
}

/** Tokens of one user, or of everyone (`userId` undefined), oldest first. */
export async function listApiTokens(db: Executor, userId?: number): Promise<ApiTokenRecord[]> {
  let query = db.selectFrom("api_tokens").selectAll();
  if (userId !== undefined) query = query.where("user_id", "=", userId);
  return (await query.orderBy("created_at").orderBy("id").execute()).map(toToken);
}

export async function deleteApiToken(db: Executor, id: string): Promise<void> {
  await db.deleteFrom("api_tokens").where("id", "=", id).execute();
}

export async function touchApiToken(db: Executor, id: string, now: number): Promise<void> {
  await db.updateTable("api_tokens").set({ last_used_at: now }).where("id", "=", id).execute();
}
