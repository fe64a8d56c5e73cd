/**
 * The web UI's login: the API token is exchanged once for an HttpOnly, SameSite=Strict cookie holding a random
 * session id. The server keeps only the id's SHA-256 (migration 006) with an expiry, so logout ends the session
 * for good (a stolen cookie stops working) and rotating the API token ends every session.
 */
import { createHash, randomBytes } from "node:crypto";
import type { Executor } from "../store/executor.ts";
import {
  deleteAllSessions,
  deleteExpiredSessions,
  deleteSession,
  insertSession,
  sessionExists,
} from "../store/sessions-repo.ts";

export const SESSION_COOKIE = "fawkes_session";
const SESSION_DAYS = 30;
const SESSION_MS = SESSION_DAYS * 86_400_000;
/** base64url of 32 random bytes; anything else is not one of ours and is never looked up. */
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

const hashOf = (id: string): string => createHash("sha256").update(id).digest("hex");

/** Starts a session and returns its id (for the cookie only: it is stored hashed). */
export async function createSession(db: Executor, now: number): Promise<string> {
  const id = randomBytes(32).toString("base64url");
  await deleteExpiredSessions(db, now);
  await insertSession(db, { idHash: hashOf(id), createdAt: now, expiresAt: now + SESSION_MS });
  return id;
}

export async function validSession(db: Executor, id: string | undefined, now: number): Promise<boolean> {
  if (!id || !SESSION_ID.test(id)) return false;
  return sessionExists(db, hashOf(id), now);
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
