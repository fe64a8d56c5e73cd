/** Web UI sessions: only the SHA-256 of each session id is stored (see migration 006). */
import type { Executor } from "./executor.ts";

export interface SessionRecord {
  idHash: string;
  createdAt: number;
  expiresAt: number;
}

export async function insertSession(db: Executor, session: SessionRecord): Promise<void> {
  await db
    .insertInto("sessions")
    .values({ id_hash: session.idHash, created_at: session.createdAt, expires_at: session.expiresAt })
    .execute();
}

/** True when a session with this id hash exists and has not expired at `now`. */
export async function sessionExists(db: Executor, idHash: string, now: number): Promise<boolean> {
  const row = await db
    .selectFrom("sessions")
    .select("id_hash")
    .where("id_hash", "=", idHash)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return row !== undefined;
}

/** True when the session was there to delete. */
export async function deleteSession(db: Executor, idHash: string): Promise<boolean> {
  const result = await db.deleteFrom("sessions").where("id_hash", "=", idHash).executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

export async function deleteExpiredSessions(db: Executor, now: number): Promise<void> {
  await db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
}

export async function deleteAllSessions(db: Executor): Promise<void> {
  await db.deleteFrom("sessions").execute();
}
