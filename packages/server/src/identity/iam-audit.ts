/**
 * The audit entries of role, managed policy and instance-profile changes (docs/audit.md). The services record
 * them in the transaction of the change when the caller names who asked (`by`: a REST request's actor, the
 * IAM API's signing principal); a change without an origin (the server's own set-up) is not recorded.
 */
import type { AuditAction } from "@fawkes/protocol";
import { recordAudit, type AuditOrigin } from "../services/audit.ts";
import type { Executor } from "../store/executor.ts";
import { addedTags, removedTags } from "./iam-names.ts";

export type { AuditOrigin } from "../services/audit.ts";

export async function auditIam(
  db: Executor,
  by: AuditOrigin | undefined,
  entry: { action: AuditAction; target: string; details?: object; at: number },
): Promise<void> {
  if (by === undefined) return;
  await recordAudit(db, { ...by, ...entry });
}

/** A tagged role, policy or instance profile, read in the transaction that changes its tags. */
export interface TaggedEntity {
  tags: Readonly<Record<string, string>>;
  /** Its audit target (`role/NAME`). */
  target: string;
  /** The audit actions' prefix: `role` → `role.tag`, `role.untag`. */
  kind: "role" | "policy" | "instance-profile";
  /** Stores its new tags. */
  write(tags: Record<string, string>): Promise<void>;
}

/**
 * Tag* and Untag* of any IAM entity: adds tags (validated as a whole: 50 at most, no `aws:` keys) or removes keys,
 * and records `KIND.tag` / `KIND.untag` with what changed. Setting values a key already has, or removing keys it
 * does not have, changes nothing and records nothing, as IAM does.
 */
export async function retag(
  db: Executor,
  by: AuditOrigin | undefined,
  at: number,
  entity: TaggedEntity,
  change: { add: Readonly<Record<string, string>> } | { remove: readonly string[] },
): Promise<void> {
  if ("add" in change) {
    const { merged, changed } = addedTags(entity.tags, change.add);
    if (Object.keys(changed).length === 0) return;
    await entity.write(merged);
    await auditIam(db, by, {
      action: `${entity.kind}.tag`,
      target: entity.target,
      details: { tags: changed },
      at,
    });
    return;
  }
  const { remaining, removed } = removedTags(entity.tags, change.remove);
  if (removed.length === 0) return;
  await entity.write(remaining);
  await auditIam(db, by, {
    action: `${entity.kind}.untag`,
    target: entity.target,
    details: { keys: removed },
    at,
  });
}
