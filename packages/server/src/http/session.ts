/**
 * The web UI's sessions: a login (a user's password, or the bootstrap API token) is exchanged once for an
 * HttpOnly, SameSite=Strict cookie holding a random session id, bound to the user. The server keeps only the
 * id's SHA-256 (migrations 006, 012) with an expiry, so logout ends the session for good (a stolen cookie stops
 * working) and rotating the API token ends every session.
 *
 * CSRF: every write authenticated by the cookie must also carry `x-fawkes-csrf` with the session's CSRF token,
 * an HMAC of the session id (so it needs no storage, and only a holder of the id can compute it). The UI gets it
 * at login and from `GET /api/v1/session`; another site's page can read neither (same-origin policy, HttpOnly).
 */
import { createHash, createHmac, randomBytes } from "node:crypto";
import type { Executor } from "../store/executor.ts";
import {
  deleteAllSessions,
  deleteExpiredSessions,
  deleteSession,
  findSession,
  insertSession,
  type SessionRecord,
} from "../store/sessions-repo.ts";
import { sameSecret } from "../services/register-agent.ts";

export const SESSION_COOKIE = "fawkes_session";
const SESSION_DAYS = 30;
const SESSION_MS = SESSION_DAYS * 86_400_000;
/** base64url of 32 random bytes; anything else is not one of ours and is never looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (id: string): string => createHash("sha256").update(id).digest("hex");

/** Starts a session for a user (null: the bootstrap administrator) and returns its id (for the cookie only). */
export async function createSession(db: Executor, now: number, userId: number | null): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  await deleteExpiredSessions(db, now);
  await insertSession(db, { idHash: hashOf(id), createdAt: now, expiresAt: now + SESSION_MS, userId });
  return id;
}

/** The live session a cookie value names. */
export async function sessionOf(
  db: Executor,
  id: string | undefined,
  now: number,
): Promise<SessionRecord | undefined> {
  if (!id || !SESSION_ID.test(id)) return undefined;
  return findSession(db, hashOf(id), now);
}

/** The CSRF token of the session whose id is `id`. */
export function csrfTokenOf(id: string): string {
  return createHmac("sha256", id).update("fawkes csrf v1").digest("base64url");
}

/** Constant-time: whether `presented` is the CSRF token of session `id`. */
export function validCsrfToken(id: string, presented: string | undefined): boolean {
  return presented !== undefined && sameSecret(presented, csrfTokenOf(id));
}

/** True when a live or expired session with this id was ended. */
export async function endSession(db: Executor, id: string | undefined): Promise<boolean> {
  return id !== undefined && SESSION_ID.test(id) && (await deleteSession(db, hashOf(id)));
}

export async function endAllSessions(db: Executor): Promise<void> {
  await deleteAllSessions(db);
}

export function sessionCookie(value: string, secure: boolean): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${SESSION_DAYS * 86_400}${secure ? "; Secure" : ""}`;
}

export const clearedSessionCookie = `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`;

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}
