/**
 * The audit log: who changed what, when. `recordAudit` is the one function the rest of the server calls; pass it
 * the executor of the change it describes (a step's `tx.db`, or the transaction of a store write) so the entry
 * commits with the change or not at all. Action names are stable (protocol `AUDIT_ACTIONS`, docs/audit.md).
 * Details never hold a secret value: name secrets, never copy them.
 */
import {
  AUDIT_PAGE_DEFAULT,
  AuditQuery,
  ErrorCode,
  FawkesError,
  type AuditAction,
  type AuditActorKind,
  type AuditEntryDto,
  type AuditListDto,
} from "@fawkes/protocol";
import type { Actor } from "../http/actor.ts";
import { redactUrl } from "../materials/index.ts";
import { insertAuditEntry, listAuditEntries, type AuditFilter, type Match } from "../store/audit-repo.ts";
import type { Executor } from "../store/executor.ts";

export { SYSTEM_ACTOR, type Actor } from "../http/actor.ts";

export interface AuditEntry {
  actor: Actor;
  /** A name from protocol `AUDIT_ACTIONS`. */
  action: AuditAction;
  /** What changed, as docs/audit.md spells it: `pipeline/NAME/COUNTER`, `agent/NAME`, `access-key/ID` … */
  target: string;
  /** Plain JSON facts about the change; never a secret value (a secret is named, not copied). */
  details?: object;
  /** The request's address, when a request made the change. */
  sourceIp?: string | undefined;
  /** When the change was made (the step's `tx.now()`), epoch milliseconds. */
  at: number;
}

/** Who asked for a change: what a route hands the service that records it. */
export interface AuditOrigin {
  actor: Actor;
  sourceIp?: string | undefined;
}

/** Records one entry with `db`, the transaction of the change it describes. */
export async function recordAudit(db: Executor, entry: AuditEntry): Promise<void> {
  const details = JSON.stringify(entry.details ?? {});
  if (!details.startsWith("{"))
    throw new Error(`audit details of ${entry.action} must be a JSON object, got ${details.slice(0, 40)}`);
  await insertAuditEntry(db, {
    at: entry.at,
    actorKind: entry.actor.kind,
    actorName: entry.actor.name,
    action: entry.action,
    target: entry.target,
    detailsJson: details,
    sourceIp: entry.sourceIp ?? null,
  });
}

/** Targets, spelled one way everywhere (docs/audit.md). */
export const auditTarget = {
  pipeline: (name: string): string => `pipeline/${name}`,
  run: (pipeline: string, counter: number): string => `pipeline/${pipeline}/${counter}`,
  stage: (pipeline: string, counter: number, stage: string): string =>
    `pipeline/${pipeline}/${counter}/${stage}`,
  job: (locator: {
    pipeline: string;
    counter: number;
    stage: string;
    stageCounter: number;
    job: string;
  }): string =>
    `pipeline/${locator.pipeline}/${locator.counter}/${locator.stage}/${locator.stageCounter}/${locator.job}`,
  agent: (name: string): string => `agent/${name}`,
  accessKey: (id: string): string => `access-key/${id}`,
  apiToken: "api-token",
  session: "session",
  /** A config source (directory or repository URL, its credentials redacted). */
  config: (source: string): string => `config/${redactUrl(source)}`,
  /** A material's repository URL, its credentials redacted. */
  material: (url: string): string => `material/${redactUrl(url)}`,
  role: (name: string): string => `role/${name}`,
  /** A managed policy, by name (unique whatever its path; the ARN is in the details). */
  policy: (name: string): string => `policy/${name}`,
  instanceProfile: (name: string): string => `instance-profile/${name}`,
  instance: (id: string): string => `instance/${id}`,
  user: (name: string): string => `user/${name}`,
  token: (id: string): string => `token/${id}`,
} as const;

const KINDS: readonly string[] = ["user", "agent", "system"] satisfies AuditActorKind[];

/** `pipeline.*` → prefix `pipeline.`; anything else matches exactly. */
function matchOf(value: string | undefined): Match | undefined {
  if (value === undefined) return undefined;
  return value.endsWith("*") ? { value: value.slice(0, -1), prefix: true } : { value, prefix: false };
}

/** `KIND:NAME` (a known kind) or a bare name. */
function actorFilter(actor: string | undefined): Pick<AuditFilter, "actorKind" | "actorName"> {
  if (actor === undefined) return {};
  const colon = actor.indexOf(":");
  const kind = colon > 0 ? actor.slice(0, colon) : "";
  if (KINDS.includes(kind)) return { actorKind: kind, actorName: actor.slice(colon + 1) };
  return { actorName: actor };
}

/** GET /api/v1/audit: `query` is the raw query string object; a malformed one is a 400 naming each problem. */
export async function listAudit(db: Executor, query: unknown): Promise<AuditListDto> {
  const parsed = AuditQuery.parse(query ?? {});
  if (parsed.since !== undefined && parsed.until !== undefined && parsed.since >= parsed.until)
    throw new FawkesError(ErrorCode.validation, "the audit query is invalid: since must be before until", {
      errors: [{ path: "since", message: "must be before until" }],
    });
  const limit = parsed.limit ?? AUDIT_PAGE_DEFAULT;
  const action = matchOf(parsed.action);
  const target = matchOf(parsed.target);
  // One more than asked: tells whether a next page exists without a second query.
  const rows = await listAuditEntries(db, {
    ...actorFilter(parsed.actor),
    ...(action && { action }),
    ...(target && { target }),
    ...(parsed.since !== undefined && { since: parsed.since }),
    ...(parsed.until !== undefined && { until: parsed.until }),
    ...(parsed.before !== undefined && { before: parsed.before }),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const entries = page.map((row): AuditEntryDto => ({
    id: row.id,
    at: row.at,
    actor: { kind: row.actorKind as AuditActorKind, name: row.actorName },
    action: row.action,
    target: row.target,
    details: JSON.parse(row.detailsJson) as Record<string, unknown>,
    sourceIp: row.sourceIp,
  }));
  return { entries, next: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}
