/**
 * Personal API tokens: `fwk_` + 32 random bytes (base64url), shown once; only their SHA-256 is stored. A token
 * acts as its user with the user's current roles, until it expires, is revoked, or the user is disabled or
 * deleted — each effective on the next request (tokens are looked up on every request, never cached).
 * Creating and revoking one records its audit entry (`token.create`, `token.revoke`: id and name, never the
 * token) in the change's step, when the caller names who asked (`by`).
 */
import { randomBytes } from "node:crypto";
import { ErrorCode, FawkesError, type ApiTokenInfoDto, type CreatedApiTokenDto } from "@fawkes/protocol";
import type { EngineContext } from "../../engine/context.ts";
import { auditTarget, recordAudit, type AuditOrigin } from "../../services/audit.ts";
import { hashToken } from "../../services/register-agent.ts";
import type { Executor } from "../../store/executor.ts";
import {
  deleteApiToken,
  findApiToken,
  findApiTokenByHash,
  findUserById,
  insertApiToken,
  listApiTokens,
  listUsers,
  touchApiToken,
  type ApiTokenRecord,
  type UserRecord,
} from "../../store/users-repo.ts";
import { principalOfUser, type Principal } from "./principal.ts";

export const PERSONAL_TOKEN_PREFIX = "fwk_";
/** `fwk_` and the base64url of 32 bytes: anything else is never looked up. */
const TOKEN_SHAPE = /^fwk_[A-Za-z0-9_-]{43}$/;
const DAY_MS = 86_400_000;
/** `last_used_at` is written at most this often per token, not on every request. */
const TOUCH_EVERY_MS = 60_000;

const toDto = (token: ApiTokenRecord, user: string): ApiTokenInfoDto => ({
  id: token.id,
  name: token.name,
  user,
  createdAt: token.createdAt,
  expiresAt: token.expiresAt,
  lastUsedAt: token.lastUsedAt,
});

export function isPersonalToken(token: string): boolean {
  return token.startsWith(PERSONAL_TOKEN_PREFIX);
}

/** Creates a token for `user` (a step of its own). */
export async function createApiToken(
  ctx: EngineContext,
  user: UserRecord,
  name: string,
  expiresInDays: number | undefined,
  by?: AuditOrigin,
): Promise<CreatedApiTokenDto> {
  const token = PERSONAL_TOKEN_PREFIX + randomBytes(32).toString("base64url");
  return ctx.step(async (tx) => {
    const now = tx.now();
    const record: ApiTokenRecord = {
      id: randomBytes(6).toString("hex"),
      userId: user.id,
      name,
      tokenHash: hashToken(token),
      createdAt: now,
      expiresAt: expiresInDays === undefined ? null : now + expiresInDays * DAY_MS,
      lastUsedAt: null,
    };
    await insertApiToken(tx.db, record);
    if (by !== undefined)
      await recordAudit(tx.db, {
        ...by,
        action: "token.create",
        target: auditTarget.token(record.id),
        details: { name, user: user.name, expiresAt: record.expiresAt },
        at: now,
      });
    tx.log.info({ user: user.name, tokenId: record.id }, "api token created");
    return { ...toDto(record, user.name), token };
  });
}

/** The principal a personal token acts as; undefined when unknown, expired, or its user is disabled/gone. */
export async function principalOfToken(ctx: EngineContext, token: string): Promise<Principal | undefined> {
  if (!TOKEN_SHAPE.test(token)) return undefined;
  const record = await findApiTokenByHash(ctx.db, hashToken(token));
  const now = ctx.now();
  if (!record || (record.expiresAt !== null && record.expiresAt <= now)) return undefined;
  const principal = await principalOfUser(ctx.db, record.userId);
  if (principal && (record.lastUsedAt === null || now - record.lastUsedAt >= TOUCH_EVERY_MS))
    await touchApiToken(ctx.db, record.id, now);
  return principal;
}

/** Tokens of one user (by id), or of everyone. */
export async function listTokenDtos(db: Executor, userId?: number): Promise<ApiTokenInfoDto[]> {
  const names = new Map((await listUsers(db)).map((user) => [user.id, user.name]));
  return (await listApiTokens(db, userId)).map((token) => toDto(token, names.get(token.userId) ?? "?"));
}

/**
 * Revokes a token: the caller's own, or anyone's for an administrator (`mayRevokeOthers`). Someone else's
 * token is "not found" to a non-administrator, so ids cannot be probed.
 */
export async function revokeApiToken(
  ctx: EngineContext,
  caller: Principal,
  id: string,
  mayRevokeOthers: boolean,
  by?: AuditOrigin,
): Promise<void> {
  await ctx.step(async (tx) => {
    const token = await findApiToken(tx.db, id);
    if (!token || (!mayRevokeOthers && token.userId !== caller.userId))
      throw new FawkesError(ErrorCode.apiTokenNotFound, `no API token ${id}: \`fawkes tokens list\``);
    await deleteApiToken(tx.db, id);
    const owner = await findUserById(tx.db, token.userId);
    if (by !== undefined) await auditRevoke(tx.db, by, tx.now(), token, owner?.name ?? null);
    tx.log.info({ user: owner?.name, tokenId: id }, "api token revoked");
  });
}

/**
 * Deletes every personal token of `user` inside the caller's step (deleting the user), recording one
 * `token.revoke` per token when someone asked (`by`), so the audit log shows which tokens stopped working.
 */
export async function revokeTokensOfUser(
  db: Executor,
  user: UserRecord,
  at: number,
  by: AuditOrigin | undefined,
): Promise<void> {
  for (const token of await listApiTokens(db, user.id)) {
    await deleteApiToken(db, token.id);
    if (by !== undefined) await auditRevoke(db, by, at, token, user.name, "user.delete");
  }
}

async function auditRevoke(
  db: Executor,
  by: AuditOrigin,
  at: number,
  token: ApiTokenRecord,
  user: string | null,
  because?: "user.delete",
): Promise<void> {
  await recordAudit(db, {
    ...by,
    action: "token.revoke",
    target: auditTarget.token(token.id),
    details: { name: token.name, user, ...(because && { because }) },
    at,
  });
}
