/** Web UI sessions: only the SHA-256 of each session id is stored (see migrations 006 and 012). */
import type { Executor } from "./executor.ts";

export interface SessionRecord {
  idHash: string;
  createdAt: number;
  expiresAt: number;
  /** The user; null for the bootstrap administrator (logged in with the API token file). */
  userId: number | null;
}

export async function insertSession(db: Executor, session: SessionRecord): Promise<void> {
  await db
    .insertInto("sessions")
    .values({
      id_hash: session.idHash,
      created_at: session.createdAt,
      expires_at: session.expiresAt,
      user_id: session.userId,
    })
    .execute();
}

/** The session with this id hash unless it has expired at `now`. */
export async function findSession(
  db: Executor,
  idHash: string,
  now: number,
): Promise<SessionRecord | undefined> {
  const row = await db
    .selectFrom("sessions")
    .selectAll()
    .where("id_hash", "=", idHash)
    .where("expires_at", ">", now)
    .executeTakeFirst();
  return (
    row && {
      idHash: row.id_hash,
      createdAt: Number(row.created_at),
      expiresAt: Number(row.expires_at),
      userId: row.user_id === null ? null : Number(row.user_id),
    }
  );
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

/** Ends every session of one user (a new password, a disabled user). */
export async function deleteSessionsOfUser(db: Executor, userId: number): Promise<void> {
  await db.deleteFrom("sessions").where("user_id", "=", userId).execute();
}
