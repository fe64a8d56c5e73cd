/**
 * CloudFormation's UpdateStack, run by the stack engine (stack-engine.ts owns the transitions; this decides
 * what to do). The stack is in UPDATE_IN_PROGRESS with its new template current and the old one kept in the
 * `previous_*` columns. Resources are visited in the new template's dependency order, independent ones in
 * parallel: one that is new is created (through the engine's own create of one resource); one whose resolved
 * properties are unchanged is left alone; a changed one is updated in place when its provider can, otherwise
 * replaced: a new physical resource gets a new row, its dependents resolve to it, and the old row is deleted in
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS with the resources the new template dropped.
 *
 * A failure rolls back: the old template and values are resolved again over the rows the update did not make
 * (the lowest row of each logical id), resources updated in place are brought back to those properties, the
 * stack's template and values become the old ones again, and UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS
 * deletes every row the update made. Outputs change only when an update succeeds, so a rollback keeps them.
 * Which rows an update made needs no marker: before it, each logical id has one standing row.
 */
import type { ResourceStatus, StackStatus } from "@fawkes/core";
import {
  outputs as templateOutputs,
  resolveParameters,
  resolveValue,
  parseTemplate,
  type CloudLogger,
  type EvalContext,
  type ParsedTemplate,
} from "@fawkes/cloud";
import { sealSecret } from "../cloud/secret-box.ts";
import {
  findStack,
  stackResources,
  type StackOutputRecord,
  type StackPatch,
  type StackRecord,
  type StackResourcePatch,
  type StackResourceRecord,
} from "../store/stacks-repo.ts";
import {
  refreshAttributes,
  type ProviderContext,
  type ProviderRegistry,
  type ResourceProperties,
} from "./providers.ts";
import { canonicalJson, openTemplate, sealTemplate } from "./stored-template.ts";

/** A template with its values, ready to resolve: conditions evaluated and the dependency graph built. */
export interface LoadedTemplate {
  parsed: ParsedTemplate;
  parameters: Record<string, string | readonly string[]>;
  conditions: Map<string, boolean>;
  dependsOn: Map<string, Set<string>>;
}

export type MadeResources = Map<string, { physicalId: string; attributes: Record<string, unknown> }>;

export interface ResourceDefinition {
  Type?: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
}

type StackEvent = "update" | "updated" | "cleanedUp" | "rollback" | "rolledBack" | "fail";
type ResourceEvent = "update" | "updated" | "fail";
type ResourceRef = Pick<StackResourceRecord, "id" | "logicalId" | "physicalId" | "type" | "status">;

/** What the update needs of the engine: its store, its providers, and its transitions (one transaction each). */
export interface UpdateOps {
  dataKey: Buffer;
  providers: ProviderRegistry;
  log: CloudLogger;
  /** Aborted when the server closes: nothing new starts, and the next start resumes. */
  closing: AbortSignal;
  db: Parameters<typeof findStack>[0];
  plan(
    parsed: ParsedTemplate,
    parameters: Record<string, string | readonly string[]>,
    stack: StackRecord,
  ): LoadedTemplate;
  evalContext(stack: StackRecord, template: LoadedTemplate, made: MadeResources): Promise<EvalContext>;
  /** The create path's own "create one resource" (a new row; CreationPolicy waits included). */
  createResource(
    stack: StackRecord,
    logicalId: string,
    definition: ResourceDefinition,
    ctx: EvalContext,
    made: MadeResources,
  ): Promise<void>;
  deleteResource(stack: StackRecord, resource: StackResourceRecord): Promise<void>;
  moveStack(stack: StackRecord, event: StackEvent, reason: string | null, extra?: StackPatch): Promise<void>;
  moveResource<R extends ResourceRef>(
    stack: StackRecord,
    resource: R,
    event: ResourceEvent,
    reason: string | null,
    extra?: Pick<StackResourcePatch, "attributes" | "propertiesSealed" | "deletionPolicy">,
  ): Promise<R>;
  providerContext(stack: StackRecord, logicalId: string): ProviderContext;
  properties(resource: StackResourceRecord): ResourceProperties;
}

const DELETED: readonly ResourceStatus[] = ["DELETE_COMPLETE", "DELETE_SKIPPED", "DELETE_FAILED"];
/** A row the stack stands on: not deleted, not being deleted, not left behind by a failed delete. */
const standing = (row: StackResourceRecord) => !row.status.startsWith("DELETE_");

/** For each logical id, its standing row made first (`oldest`) or last. */
function standingRows(
  rows: StackResourceRecord[],
  pick: "oldest" | "newest",
): Map<string, StackResourceRecord> {
  const chosen = new Map<string, StackResourceRecord>();
  for (const row of rows.filter(standing)) {
    const seen = chosen.get(row.logicalId);
    if (!seen || (pick === "newest" ? row.id > seen.id : row.id < seen.id)) chosen.set(row.logicalId, row);
  }
  return chosen;
}

/**
 * Runs `work` for every logical id once all it depends on succeeded, independent ones in parallel. After the
 * first failure (or a close) nothing new starts; returns the logical ids that failed, sorted.
 */
async function inDependencyOrder(
  dependsOn: Map<string, Set<string>>,
  closing: AbortSignal,
  work: (logicalId: string) => Promise<void>,
  onError: (logicalId: string, error: unknown) => void,
): Promise<string[]> {
  const done = new Set<string>();
  const failures: string[] = [];
  const waiting = new Set(dependsOn.keys());
  const inFlight = new Map<string, Promise<void>>();
  for (;;) {
    if (failures.length === 0 && !closing.aborted)
      for (const logicalId of [...waiting]) {
        if (![...(dependsOn.get(logicalId) ?? [])].every((id) => done.has(id))) continue;
        waiting.delete(logicalId);
        inFlight.set(
          logicalId,
          work(logicalId)
            .then(() => void done.add(logicalId))
            .catch((error: unknown) => {
              failures.push(logicalId);
              onError(logicalId, error);
            })
            .finally(() => inFlight.delete(logicalId)),
        );
      }
    if (inFlight.size === 0) return failures.sort();
    await Promise.race(inFlight.values());
  }
}

type DeletionPolicy = StackResourceRecord["deletionPolicy"];
const deletionPolicyOf = (definition: ResourceDefinition): DeletionPolicy =>
  definition.DeletionPolicy === "Retain" ? "Retain" : "Delete";

const failedToUpdate = (logicalIds: string[]) =>
  `The following resource(s) failed to update: [${logicalIds.join(", ")}]. `;

const resolveProperties = (definition: ResourceDefinition, ctx: EvalContext): ResourceProperties =>
  (resolveValue(definition.Properties ?? {}, ctx) ?? {}) as ResourceProperties;

const sealProperties = (
  ops: UpdateOps,
  resource: ResourceRef & { stackId: string },
  props: ResourceProperties,
) => sealSecret(ops.dataKey, JSON.stringify(props), `${resource.stackId}:resource:${resource.logicalId}`);

/** Whether a change from `before` to `after` can be made on the same physical resource. */
function inPlace(
  ops: UpdateOps,
  type: string,
  before: ResourceProperties,
  after: ResourceProperties,
): boolean {
  const provider = ops.providers.get(type);
  if (!provider?.update) return false;
  return (provider.replacedBy ?? []).every(
    (name) => canonicalJson(before[name]) === canonicalJson(after[name]),
  );
}

/** Loads the stack's current or previous template with its values. */
export function loadTemplate(
  ops: UpdateOps,
  stack: StackRecord,
  stage: "current" | "previous",
): LoadedTemplate {
  const { body, parameters } = openTemplate(ops.dataKey, stack, stage);
  const parsed = parseTemplate(body, "TemplateBody");
  return ops.plan(parsed, resolveParameters(parsed, parameters).values, stack);
}

/** UPDATE_IN_PROGRESS: brings the resources to the new template, then cleans up (or rolls back). */
export async function runUpdate(
  ops: UpdateOps,
  stack: StackRecord,
  template: LoadedTemplate,
  settled: { capabilities: string[]; description: string | null },
): Promise<void> {
  const before = standingRows(await stackResources(ops.db, stack.stackId), "newest");
  const made: MadeResources = new Map();
  const ctx = await ops.evalContext(stack, template, made);
  const resources = (template.parsed.body.Resources ?? {}) as Record<string, ResourceDefinition>;
  const failures = await inDependencyOrder(
    template.dependsOn,
    ops.closing,
    async (logicalId) => {
      const definition = resources[logicalId]!;
      const old = before.get(logicalId);
      if (!old || old.physicalId === null) return ops.createResource(stack, logicalId, definition, ctx, made);
      const type = definition.Type ?? "";
      const props = resolveProperties(definition, ctx);
      const oldProps = ops.properties(old);
      const policy = deletionPolicyOf(definition);
      if (old.type === type && canonicalJson(props) === canonicalJson(oldProps)) {
        const attributes =
          policy === old.deletionPolicy
            ? old.attributes
            : await updateInPlace(ops, stack, old, oldProps, props, policy);
        made.set(logicalId, { physicalId: old.physicalId, attributes });
        return;
      }
      if (old.type !== type || !inPlace(ops, type, oldProps, props)) {
        const provider = ops.providers.get(type);
        // A name the template gives (BucketName, RoleName) would be the old resource's own: AWS refuses too.
        if (
          old.type === type &&
          provider?.physicalId(props, ops.providerContext(stack, logicalId)) === old.physicalId
        )
          throw new Error(
            `CloudFormation cannot update a stack when a custom-named resource requires replacing. Rename ${old.physicalId} and update the stack again.`,
          );
        return ops.createResource(stack, logicalId, definition, ctx, made);
      }
      const attributes = await updateInPlace(ops, stack, old, oldProps, props, policy);
      made.set(logicalId, { physicalId: old.physicalId, attributes });
    },
    (logicalId, error) =>
      ops.log.warn({ err: error, stack: stack.name, logicalId }, "stack resource update failed"),
  );
  if (ops.closing.aborted) return;
  if (failures.length > 0) {
    await ops.moveStack(stack, "rollback", failedToUpdate(failures));
    await runUpdateRollback(ops, stack.stackId);
    return;
  }
  let outputs: StackOutputRecord[];
  try {
    await refreshAttributes(ops.providers, template.parsed.body.Resources ?? {}, made, ctx.pseudo.region);
    outputs = templateOutputs(template.parsed, ctx).map((output) => ({
      key: output.key,
      value: output.value,
      ...(output.description !== undefined && { description: output.description }),
      ...(output.exportName !== undefined && { exportName: output.exportName }),
    }));
  } catch (error) {
    await ops.moveStack(stack, "rollback", `Outputs could not be resolved: ${(error as Error).message}`);
    await runUpdateRollback(ops, stack.stackId);
    return;
  }
  await ops.moveStack(stack, "updated", null, { outputs, ...settled });
  await runUpdateCleanup(ops, stack.stackId);
}

/** Moves one resource from `from` to `to` properties in place; the target is stored before the provider acts. */
async function updateInPlace(
  ops: UpdateOps,
  stack: StackRecord,
  resource: StackResourceRecord,
  from: ResourceProperties,
  to: ResourceProperties,
  deletionPolicy: DeletionPolicy,
): Promise<Record<string, unknown>> {
  const provider = ops.providers.get(resource.type);
  // Only the DeletionPolicy changed: the record changes, the resource itself is left alone.
  const metadataOnly = resource.status !== "UPDATE_IN_PROGRESS" && canonicalJson(from) === canonicalJson(to);
  let row: StackResourceRecord = resource;
  if (row.status === "UPDATE_IN_PROGRESS")
    row = await ops.moveResource(
      stack,
      row,
      "fail",
      "The server stopped while the resource was being updated",
    );
  row = await ops.moveResource(stack, row, "update", null, {
    propertiesSealed: sealProperties(ops, row, to),
    deletionPolicy,
  });
  if (metadataOnly) {
    await ops.moveResource(stack, row, "updated", null);
    return row.attributes;
  }
  try {
    if (!provider?.update) throw new Error(`${row.type} resources cannot be updated in place`);
    const attributes = await provider.update(
      row.physicalId!,
      from,
      to,
      ops.providerContext(stack, row.logicalId),
    );
    await ops.moveResource(stack, row, "updated", null, { attributes });
    return attributes;
  } catch (error) {
    if (!ops.closing.aborted) await ops.moveResource(stack, row, "fail", (error as Error).message);
    throw error;
  }
}

/**
 * UPDATE_ROLLBACK_IN_PROGRESS: every resource of the old template is brought back to its old properties (on the
 * rows the update did not make), then the old template is current again and the update's own rows are deleted.
 */
export async function runUpdateRollback(ops: UpdateOps, stackId: string): Promise<void> {
  const stack = await findStack(ops.db, stackId);
  if (!stack) return;
  const old = loadTemplate(ops, stack, "previous");
  const rows = standingRows(await stackResources(ops.db, stackId), "oldest");
  const made: MadeResources = new Map();
  const ctx = await ops.evalContext(stack, old, made);
  const resources = (old.parsed.body.Resources ?? {}) as Record<string, ResourceDefinition>;
  const failures = await inDependencyOrder(
    old.dependsOn,
    ops.closing,
    async (logicalId) => {
      const row = rows.get(logicalId);
      if (!row || row.physicalId === null) throw new Error(`${logicalId} has no resource to roll back to`);
      const definition = resources[logicalId]!;
      const props = resolveProperties(definition, ctx);
      const policy = deletionPolicyOf(definition);
      const stored = ops.properties(row);
      const settled = row.status === "CREATE_COMPLETE" || row.status === "UPDATE_COMPLETE";
      // Only what the update changed in place needs bringing back: a type without `update` was never changed,
      // and its record stands (what differs then is the world around it, such as an export).
      const restore =
        (!settled || canonicalJson(props) !== canonicalJson(stored)) && !!ops.providers.get(row.type)?.update;
      const attributes =
        restore || policy !== row.deletionPolicy
          ? await updateInPlace(ops, stack, row, stored, restore ? props : stored, policy)
          : row.attributes;
      made.set(logicalId, { physicalId: row.physicalId, attributes });
    },
    (logicalId, error) =>
      ops.log.warn({ err: error, stack: stack.name, logicalId }, "stack resource update rollback failed"),
  );
  if (ops.closing.aborted) return;
  if (failures.length > 0) {
    await ops.moveStack(stack, "fail", failedToUpdate(failures));
    return;
  }
  const failed = openTemplate(ops.dataKey, stack, "current");
  const restored = openTemplate(ops.dataKey, stack, "previous");
  await ops.moveStack(stack, "rolledBack", null, {
    ...sealTemplate(ops.dataKey, stackId, "current", restored.body, restored.parameters),
    ...sealTemplate(ops.dataKey, stackId, "previous", failed.body, failed.parameters),
    noEcho: [...resolveParameters(old.parsed, restored.parameters).noEcho],
    description: typeof old.parsed.body.Description === "string" ? old.parsed.body.Description : null,
  });
  await runUpdateCleanup(ops, stackId);
}

/**
 * UPDATE_COMPLETE_CLEANUP_IN_PROGRESS and UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS: deletes every row the
 * current template does not stand on (the newest standing row of each logical id after an update, the oldest
 * after a rollback), in the reverse order of the template those rows came from. A delete that fails leaves its
 * row DELETE_FAILED (a stack delete tries it again) and does not fail the update, as on AWS.
 */
export async function runUpdateCleanup(ops: UpdateOps, stackId: string): Promise<void> {
  const stack = await findStack(ops.db, stackId);
  if (!stack) return;
  const keep = stack.status === "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS" ? "oldest" : "newest";
  const current = loadTemplate(ops, stack, "current");
  let order: Map<string, Set<string>>;
  try {
    order = loadTemplate(ops, stack, "previous").dependsOn;
  } catch {
    order = new Map();
  }
  const rows = await stackResources(ops.db, stackId);
  const kept = new Set(
    [...standingRows(rows, keep)]
      .filter(([logicalId]) => current.dependsOn.has(logicalId))
      .map(([, row]) => row.id),
  );
  const pending = new Map(
    rows.filter((row) => !DELETED.includes(row.status) && !kept.has(row.id)).map((row) => [row.id, row]),
  );
  const inFlight = new Map<number, Promise<void>>();
  const hasDependents = (row: StackResourceRecord) =>
    [...pending.values()].some(
      (other) => other.id !== row.id && order.get(other.logicalId)?.has(row.logicalId),
    );
  while (pending.size > 0 && !ops.closing.aborted) {
    for (const [id, row] of pending) {
      if (inFlight.has(id) || hasDependents(row)) continue;
      inFlight.set(
        id,
        ops
          .deleteResource(stack, row)
          .catch((error: unknown) =>
            ops.log.warn(
              { err: error, stack: stack.name, logicalId: row.logicalId },
              "stack cleanup delete failed",
            ),
          )
          .finally(() => {
            pending.delete(id);
            inFlight.delete(id);
          }),
      );
    }
    if (inFlight.size === 0) break;
    await Promise.race(inFlight.values());
  }
  await Promise.allSettled(inFlight.values());
  if (ops.closing.aborted) return;
  await ops.moveStack(stack, "cleanedUp", null);
}

/** An update a stopped server left: what was being made or changed is failed, and the update rolls back. */
export async function recoverUpdate(ops: UpdateOps, stack: StackRecord): Promise<void> {
  for (const row of await stackResources(ops.db, stack.stackId)) {
    if (row.status === "CREATE_IN_PROGRESS" || row.status === "UPDATE_IN_PROGRESS")
      await ops.moveResource(
        stack,
        row,
        "fail",
        "The server stopped while the resource was being " +
          (row.status === "CREATE_IN_PROGRESS" ? "created" : "updated"),
      );
  }
  await ops.moveStack(stack, "rollback", "The server stopped during the stack's update. Rolling back.");
  await runUpdateRollback(ops, stack.stackId);
}

/** The operation that finishes an update-related status a stopped server left, if it is one. */
export function resumeUpdate(ops: UpdateOps, stack: StackRecord): (() => Promise<void>) | undefined {
  const status: StackStatus = stack.status;
  switch (status) {
    case "UPDATE_IN_PROGRESS":
      return () => recoverUpdate(ops, stack);
    case "UPDATE_ROLLBACK_IN_PROGRESS":
      return () => runUpdateRollback(ops, stack.stackId);
    case "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS":
    case "UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS":
      return () => runUpdateCleanup(ops, stack.stackId);
    default:
      return undefined;
  }
}
