/**
 * The audit log: who changed what, when (GET /api/v1/audit, `fawkes audit`, the web UI's Audit page). Every
 * action has a stable dotted name; docs/audit.md lists them with their target and details. Details never hold
 * a secret value: secrets appear by name only.
 */
import { z } from "zod";

/**
 * Every audited action. Add a name here (and its row in docs/audit.md, which a test checks) before recording
 * it; never rename one: scripts filter on them.
 */
export const AUDIT_ACTIONS = [
  "pipeline.trigger",
  "pipeline.pause",
  "pipeline.unpause",
  "run.cancel",
  "stage.approve",
  "stage.cancel",
  "stage.rerun",
  "config.change",
  "material.notify",
  "agent.register",
  "agent.enable",
  "agent.disable",
  "agent.update",
  "agent.delete",
  "access-key.create",
  "access-key.delete",
  "api-token.rotate",
  "session.login",
  "session.logout",
  "secret.read",
  // Recorded by the identity parts built beside the audit log (issue 14): roles, STS, OIDC, users.
  "role.create",
  "role.delete",
  "role.policy.put",
  "role.policy.delete",
  "role.policy.attach",
  "role.policy.detach",
  "role.trust.update",
  "role.boundary.put",
  "role.boundary.delete",
  "role.tag",
  "role.untag",
  "role.update",
  "policy.create",
  "policy.delete",
  "policy.version.create",
  "policy.version.delete",
  "policy.version.default",
  "policy.tag",
  "policy.untag",
  "instance-profile.create",
  "instance-profile.delete",
  "instance-profile.role.add",
  "instance-profile.role.remove",
  "instance-profile.tag",
  "instance-profile.untag",
  "instance.launch",
  "instance.terminate",
  "credentials.assume-role",
  "credentials.revoke",
  "id-token.issue",
  "user.create",
  "user.role",
  "user.disable",
  "user.enable",
  "user.delete",
  "user.password",
  "user.grant",
  "user.grant.revoke",
  "token.create",
  "token.revoke",
  "agent.token.rotate",
  "agent.token.revoke",
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_ACTOR_KINDS = ["user", "agent", "system"] as const;
export type AuditActorKind = (typeof AUDIT_ACTOR_KINDS)[number];

/** The most entries one page holds (`limit`). */
export const AUDIT_PAGE_MAX = 500;
/** `limit` when none is given. */
export const AUDIT_PAGE_DEFAULT = 100;

/** A time in a query: epoch milliseconds, or an ISO 8601 date-time (with `Z` or an offset). */
const time = z.union([
  z
    .string()
    .regex(/^\d{1,15}$/, "must be epoch milliseconds or an ISO 8601 date-time")
    .transform(Number),
  z.iso.datetime({ offset: true }).transform((value) => Date.parse(value)),
]);

/**
 * GET /api/v1/audit query. `action` and `target` match exactly, or by prefix when they end in `*`
 * (`pipeline.*`, `pipeline/build/*`); `actor` is a name (`admin`, `agent-1`) or `KIND:NAME` (`agent:agent-1`).
 * `since` and `until` bound `at` (inclusive, exclusive). Pages go newest first: pass the answer's `next` as
 * `before` for the page after.
 */
export const AuditQuery = z.strictObject({
  actor: z
    .string()
    .min(1)
    .max(300)
    .optional()
    .describe("who: a name (`admin`, `agent-1`) or KIND:NAME (`agent:agent-1`, `system:fawkes`)"),
  action: z
    .string()
    .min(1)
    .max(100)
    .optional()
    .describe("an action name (`stage.approve`), or a prefix ending in `*` (`pipeline.*`)"),
  target: z
    .string()
    .min(1)
    .max(1000)
    .optional()
    .describe("a target (`pipeline/build/3`), or a prefix ending in `*` (`pipeline/build/*`)"),
  since: time.optional().describe("entries at or after this time (epoch ms or ISO 8601)"),
  until: time.optional().describe("entries before this time (epoch ms or ISO 8601)"),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, `must be an integer from 1 to ${AUDIT_PAGE_MAX}`)
    .transform(Number)
    .pipe(z.number().int().min(1).max(AUDIT_PAGE_MAX))
    .optional()
    .describe(`entries per page, at most ${AUDIT_PAGE_MAX} (default ${AUDIT_PAGE_DEFAULT})`),
  before: z
    .string()
    .regex(/^[1-9]\d{0,15}$/, "must be the `next` of a previous page")
    .transform(Number)
    .optional()
    .describe("the `next` of the previous page: entries older than it"),
});
export type AuditQuery = z.input<typeof AuditQuery>;
export type ParsedAuditQuery = z.output<typeof AuditQuery>;

export const AuditActorDto = z.object({
  kind: z.enum(AUDIT_ACTOR_KINDS),
  /** The user's login, the agent's name, or `fawkes` for the server itself. */
  name: z.string(),
});
export type AuditActorDto = z.infer<typeof AuditActorDto>;

export const AuditEntryDto = z.object({
  /** Increases with every entry; the paging cursor. */
  id: z.number().int(),
  /** When the change was made, epoch milliseconds. */
  at: z.number().int(),
  actor: AuditActorDto,
  /** A dotted name from {@link AUDIT_ACTIONS} (a newer server may record names this version does not know). */
  action: z.string(),
  /** What changed: `pipeline/NAME`, `pipeline/NAME/COUNTER/STAGE`, `agent/NAME`, `access-key/ID` … */
  target: z.string(),
  /** Action-specific facts (docs/audit.md); never a secret value. */
  details: z.record(z.string(), z.unknown()),
  /** The address the request came from; null for the server's own actions. */
  sourceIp: z.string().nullable(),
});
export type AuditEntryDto = z.infer<typeof AuditEntryDto>;

/** GET /api/v1/audit: newest first; `next` is the `before` of the following page, null on the last. */
export const AuditListDto = z.object({
  entries: z.array(AuditEntryDto),
  next: z.number().int().nullable(),
});
export type AuditListDto = z.infer<typeof AuditListDto>;
