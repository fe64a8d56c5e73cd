/** The audit log (migration 013): rows are added in the transaction of the change they describe, never changed. */
import { sql } from "kysely";
import type { Executor } from "./executor.ts";

export interface AuditRecord {
  id: number;
  at: number;
  actorKind: string;
  actorName: string;
  action: string;
  target: string;
  /** JSON object text. */
  detailsJson: string;
  sourceIp: string | null;
}

export type NewAuditRecord = Omit<AuditRecord, "id">;

export async function insertAuditEntry(db: Executor, entry: NewAuditRecord): Promise<void> {
  await db
    .insertInto("audit_log")
    .values({
      at: entry.at,
      actor_kind: entry.actorKind,
      actor_name: entry.actorName,
      action: entry.action,
      target: entry.target,
      details_json: entry.detailsJson,
      source_ip: entry.sourceIp,
    })
    .execute();
}

/** A value matched exactly, or by its prefix (`prefix: true`). */
export interface Match {
  value: string;
  prefix: boolean;
}

export interface AuditFilter {
  actorKind?: string;
  actorName?: string;
  action?: Match;
  target?: Match;
  /** `at >= since` */
  since?: number;
  /** `at < until` */
  until?: number;
  /** `id < before`: the page after the one that ended at `before`. */
  before?: number;
  limit: number;
}

/** Entries matching `filter`, newest (highest id) first. */
export async function listAuditEntries(db: Executor, filter: AuditFilter): Promise<AuditRecord[]> {
  let query = db.selectFrom("audit_log").selectAll();
  if (filter.actorKind !== undefined) query = query.where("actor_kind", "=", filter.actorKind);
  if (filter.actorName !== undefined) query = query.where("actor_name", "=", filter.actorName);
  for (const [column, match] of [
    ["action", filter.action],
    ["target", filter.target],
  ] as const) {
    if (match === undefined) continue;
    query = match.prefix
      ? // Not LIKE: SQLite's is case-insensitive and PostgreSQL's is not; substr compares exactly on both.
        query.where(sql<boolean>`substr(${sql.ref(column)}, 1, ${[...match.value].length}) = ${match.value}`)
      : query.where(column, "=", match.value);
  }
  if (filter.since !== undefined) query = query.where("at", ">=", filter.since);
  if (filter.until !== undefined) query = query.where("at", "<", filter.until);
  if (filter.before !== undefined) query = query.where("id", "<", filter.before);
  const rows = await query.orderBy("id", "desc").limit(filter.limit).execute();
  return rows.map((row) => ({
    id: Number(row.id),
    at: Number(row.at),
    actorKind: row.actor_kind,
    actorName: row.actor_name,
    action: row.action,
    target: row.target,
    detailsJson: row.details_json,
    sourceIp: row.source_ip,
  }));
}
