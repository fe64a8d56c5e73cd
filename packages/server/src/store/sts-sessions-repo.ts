/** Temporary credentials (STS sessions). Secrets stay sealed here; server/src/identity/sessions.ts opens them. */
import { sessionMachine, transition, type SessionState } from "@fawkes/core";
import type { Executor } from "./executor.ts";
import type { DbStsSession } from "./schema.ts";

export interface StsSessionRecord {
  accessKeyId: string;
  secretEncrypted: string;
  sessionTokenEncrypted: string;
  sessionTokenHash: string;
  kind: "role" | "user";
  roleArn: string | null;
  roleName: string | null;
  sessionName: string;
  principalArn: string;
  userId: string;
  sourceAccessKeyId: string | null;
  sessionPolicies: unknown[];
  tags: Record<string, string>;
  sourceIdentity: string | null;
  assumedBy: string;
  ownerKind: "caller" | "job";
  jobRunId: number | null;
  leaseId: string | null;
  agentId: string | null;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

const toRecord = (row: DbStsSession): StsSessionRecord => ({
  accessKeyId: row.access_key_id,
  secretEncrypted: row.secret_encrypted,
  sessionTokenEncrypted: row.session_token_encrypted,
  sessionTokenHash: row.session_token_hash,
  kind: row.kind === "user" ? "user" : "role",
  roleArn: row.role_arn,
  roleName: row.role_name,
  sessionName: row.session_name,
  principalArn: row.principal_arn,
  userId: row.user_id,
  sourceAccessKeyId: row.source_access_key_id,
  sessionPolicies: JSON.parse(row.session_policies_json) as unknown[],
  tags: JSON.parse(row.tags_json) as Record<string, string>,
  sourceIdentity: row.source_identity,
  assumedBy: row.assumed_by,
  ownerKind: row.owner_kind === "job" ? "job" : "caller",
  jobRunId: row.job_run_id,
  leaseId: row.lease_id,
  agentId: row.agent_id,
  issuedAt: row.issued_at,
  expiresAt: row.expires_at,
  revokedAt: row.revoked_at,
});

export async function insertStsSession(db: Executor, session: StsSessionRecord): Promise<void> {
  await db
    .insertInto("sts_sessions")
    .values({
      access_key_id: session.accessKeyId,
      secret_encrypted: session.secretEncrypted,
      session_token_encrypted: session.sessionTokenEncrypted,
      session_token_hash: session.sessionTokenHash,
      kind: session.kind,
      role_arn: session.roleArn,
      role_name: session.roleName,
      session_name: session.sessionName,
      principal_arn: session.principalArn,
      user_id: session.userId,
      source_access_key_id: session.sourceAccessKeyId,
      session_policies_json: JSON.stringify(session.sessionPolicies),
      tags_json: JSON.stringify(session.tags),
      source_identity: session.sourceIdentity,
      assumed_by: session.assumedBy,
      owner_kind: session.ownerKind,
      job_run_id: session.jobRunId,
      lease_id: session.leaseId,
      agent_id: session.agentId,
      issued_at: session.issuedAt,
      expires_at: session.expiresAt,
      revoked_at: session.revokedAt,
    })
    .execute();
}

/** A session by its access key id, live or not (the caller checks expiry and revocation). */
export async function findStsSession(
  db: Executor,
  accessKeyId: string,
): Promise<StsSessionRecord | undefined> {
  const row = await db
    .selectFrom("sts_sessions")
    .selectAll()
    .where("access_key_id", "=", accessKeyId)
    .executeTakeFirst();
  return row && toRecord(row);
}

export interface SessionFilter {
  /** Only sessions neither expired nor revoked at `now`. */
  liveAt?: number;
  roleArn?: string;
  jobRunId?: number;
}

/** Newest first. */
export async function listStsSessions(db: Executor, filter: SessionFilter = {}): Promise<StsSessionRecord[]> {
  let query = db.selectFrom("sts_sessions").selectAll();
  if (filter.liveAt !== undefined)
    query = query.where("revoked_at", "is", null).where("expires_at", ">", filter.liveAt);
  if (filter.roleArn !== undefined) query = query.where("role_arn", "=", filter.roleArn);
  if (filter.jobRunId !== undefined) query = query.where("job_run_id", "=", filter.jobRunId);
  const rows = await query.orderBy("issued_at", "desc").orderBy("access_key_id", "desc").execute();
  return rows.map(toRecord);
}

export type RevokeTarget =
  { accessKeyId: string } | { roleArn: string } | { jobRunId: number } | { all: true };

/** A session's state in `sessionMachine` (expiry is a time, checked apart). */
export const sessionStateOf = (session: Pick<StsSessionRecord, "revokedAt">): SessionState =>
  session.revokedAt === null ? "active" : "revoked";

/**
 * Revokes the live sessions `target` names; returns their ids. Expired or revoked ones stay as they are. The
 * session machine's `revoke` edge as one set-based write: only rows in its source state (`active`) change.
 */
export async function revokeStsSessions(db: Executor, target: RevokeTarget, now: number): Promise<string[]> {
  transition(sessionMachine, "active", "revoke");
  let query = db
    .updateTable("sts_sessions")
    .set({ revoked_at: now })
    .where("revoked_at", "is", null)
    .where("expires_at", ">", now);
  if ("accessKeyId" in target) query = query.where("access_key_id", "=", target.accessKeyId);
  else if ("roleArn" in target) query = query.where("role_arn", "=", target.roleArn);
  else if ("jobRunId" in target) query = query.where("job_run_id", "=", target.jobRunId);
  const rows = await query.returning("access_key_id").execute();
  return rows.map((row) => row.access_key_id);
}
