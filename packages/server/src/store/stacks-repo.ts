/** Stacks, their resources and their events (migration 015). Sealed columns arrive and leave sealed. */
import type { StackEventView } from "@fawkes/cloud";
import type { ResourceStatus, StackStatus } from "@fawkes/core";
import type { Executor } from "./executor.ts";
import type { DbStack, DbStackEvent, DbStackResource } from "./schema.ts";

export interface StackOutputRecord {
  key: string;
  value: string;
  description?: string;
  exportName?: string;
}

export interface StackRecord {
  stackId: string;
  name: string;
  status: StackStatus;
  statusReason: string | null;
  description: string | null;
  templateSealed: string;
  parametersSealed: string;
  noEcho: string[];
  previousTemplateSealed: string | null;
  previousParametersSealed: string | null;
  capabilities: string[];
  tags: { key: string; value: string }[];
  outputs: StackOutputRecord[];
  disableRollback: boolean;
  createdBy: string;
  createdAt: number;
  updatedAt: number | null;
  deletedAt: number | null;
}

export interface StackResourceRecord {
  id: number;
  stackId: string;
  logicalId: string;
  physicalId: string | null;
  type: string;
  status: ResourceStatus;
  statusReason: string | null;
  propertiesSealed: string;
  attributes: Record<string, unknown>;
  deletionPolicy: "Delete" | "Retain";
  updatedAt: number;
}

/** An event as DescribeStackEvents shows it, plus its row id (the order, and a live tail's cursor). */
export interface StackEventRecord extends StackEventView {
  id: number;
}

const toStack = (row: DbStack): StackRecord => ({
  stackId: row.stack_id,
  name: row.name,
  status: row.status as StackStatus,
  statusReason: row.status_reason,
  description: row.description,
  templateSealed: row.template_sealed,
  parametersSealed: row.parameters_sealed,
  noEcho: JSON.parse(row.no_echo_json) as string[],
  previousTemplateSealed: row.previous_template_sealed,
  previousParametersSealed: row.previous_parameters_sealed,
  capabilities: JSON.parse(row.capabilities_json) as string[],
  tags: JSON.parse(row.tags_json) as { key: string; value: string }[],
  outputs: JSON.parse(row.outputs_json) as StackOutputRecord[],
  disableRollback: row.disable_rollback === 1,
  createdBy: row.created_by,
  createdAt: Number(row.created_at),
  updatedAt: row.updated_at === null ? null : Number(row.updated_at),
  deletedAt: row.deleted_at === null ? null : Number(row.deleted_at),
});

const toResource = (row: DbStackResource): StackResourceRecord => ({
  id: Number(row.id),
  stackId: row.stack_id,
  logicalId: row.logical_id,
  physicalId: row.physical_id,
  type: row.type,
  status: row.status as ResourceStatus,
  statusReason: row.status_reason,
  propertiesSealed: row.properties_sealed,
  attributes: JSON.parse(row.attributes_json) as Record<string, unknown>,
  deletionPolicy: row.deletion_policy === "Retain" ? "Retain" : "Delete",
  updatedAt: Number(row.updated_at),
});

const toEvent = (row: DbStackEvent): StackEventRecord => ({
  id: Number(row.id),
  eventId: row.event_id,
  stackId: row.stack_id,
  stackName: row.stack_name,
  logicalId: row.logical_id,
  physicalId: row.physical_id,
  type: row.type,
  status: row.status,
  statusReason: row.status_reason,
  at: Number(row.at),
});

export async function insertStack(db: Executor, stack: StackRecord): Promise<void> {
  await db
    .insertInto("stacks")
    .values({
      stack_id: stack.stackId,
      name: stack.name,
      status: stack.status,
      status_reason: stack.statusReason,
      description: stack.description,
      template_sealed: stack.templateSealed,
      parameters_sealed: stack.parametersSealed,
      no_echo_json: JSON.stringify(stack.noEcho),
      previous_template_sealed: stack.previousTemplateSealed,
      previous_parameters_sealed: stack.previousParametersSealed,
      capabilities_json: JSON.stringify(stack.capabilities),
      tags_json: JSON.stringify(stack.tags),
      outputs_json: JSON.stringify(stack.outputs),
      disable_rollback: stack.disableRollback ? 1 : 0,
      created_by: stack.createdBy,
      created_at: stack.createdAt,
      updated_at: stack.updatedAt,
      deleted_at: stack.deletedAt,
    })
    .execute();
}

export type StackPatch = Partial<
  Pick<
    StackRecord,
    | "status"
    | "statusReason"
    | "templateSealed"
    | "parametersSealed"
    | "noEcho"
    | "previousTemplateSealed"
    | "previousParametersSealed"
    | "capabilities"
    | "outputs"
    | "description"
    | "updatedAt"
    | "deletedAt"
  >
>;

/**
 * Writes `patch` if the stack is still in `expected` (fencing: two operations never both move one stack);
 * returns whether it was.
 */
export async function updateStack(
  db: Executor,
  stackId: string,
  expected: StackStatus,
  patch: StackPatch,
): Promise<boolean> {
  const result = await db
    .updateTable("stacks")
    .set({
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.statusReason !== undefined && { status_reason: patch.statusReason }),
      ...(patch.templateSealed !== undefined && { template_sealed: patch.templateSealed }),
      ...(patch.parametersSealed !== undefined && { parameters_sealed: patch.parametersSealed }),
      ...(patch.noEcho !== undefined && { no_echo_json: JSON.stringify(patch.noEcho) }),
      ...(patch.previousTemplateSealed !== undefined && {
        previous_template_sealed: patch.previousTemplateSealed,
      }),
      ...(patch.previousParametersSealed !== undefined && {
        previous_parameters_sealed: patch.previousParametersSealed,
      }),
      ...(patch.capabilities !== undefined && { capabilities_json: JSON.stringify(patch.capabilities) }),
      ...(patch.outputs !== undefined && { outputs_json: JSON.stringify(patch.outputs) }),
      ...(patch.description !== undefined && { description: patch.description }),
      ...(patch.updatedAt !== undefined && { updated_at: patch.updatedAt }),
      ...(patch.deletedAt !== undefined && { deleted_at: patch.deletedAt }),
    })
    .where("stack_id", "=", stackId)
    .where("status", "=", expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The live stack named `name`, or the stack (live or deleted) whose ARN is `name`. */
export async function findStack(db: Executor, nameOrId: string): Promise<StackRecord | undefined> {
  const row = nameOrId.startsWith("arn:")
    ? await db.selectFrom("stacks").selectAll().where("stack_id", "=", nameOrId).executeTakeFirst()
    : await db
        .selectFrom("stacks")
        .selectAll()
        .where("name", "=", nameOrId)
        .where("deleted_at", "is", null)
        .executeTakeFirst();
  return row && toStack(row);
}

/** Stacks, newest first: live ones, or also those deleted since `deletedSince`. */
export async function listStacks(
  db: Executor,
  options: { deletedSince?: number; statuses?: readonly StackStatus[] } = {},
): Promise<StackRecord[]> {
  let query = db.selectFrom("stacks").selectAll();
  query =
    options.deletedSince === undefined
      ? query.where("deleted_at", "is", null)
      : query.where((eb) =>
          eb.or([eb("deleted_at", "is", null), eb("deleted_at", ">=", options.deletedSince!)]),
        );
  if (options.statuses?.length) query = query.where("status", "in", options.statuses);
  const rows = await query.orderBy("created_at", "desc").orderBy("stack_id").execute();
  return rows.map(toStack);
}

export async function insertStackResource(
  db: Executor,
  resource: Omit<StackResourceRecord, "id">,
): Promise<number> {
  const row = await db
    .insertInto("stack_resources")
    .values({
      stack_id: resource.stackId,
      logical_id: resource.logicalId,
      physical_id: resource.physicalId,
      type: resource.type,
      status: resource.status,
      status_reason: resource.statusReason,
      properties_sealed: resource.propertiesSealed,
      attributes_json: JSON.stringify(resource.attributes),
      deletion_policy: resource.deletionPolicy,
      updated_at: resource.updatedAt,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  return Number(row.id);
}

export type StackResourcePatch = Partial<
  Pick<
    StackResourceRecord,
    "status" | "statusReason" | "physicalId" | "propertiesSealed" | "attributes" | "deletionPolicy"
  >
> & { updatedAt: number };

/** Writes `patch` if the resource is still in `expected`; returns whether it was. */
export async function updateStackResource(
  db: Executor,
  id: number,
  expected: ResourceStatus,
  patch: StackResourcePatch,
): Promise<boolean> {
  const result = await db
    .updateTable("stack_resources")
    .set({
      ...(patch.status !== undefined && { status: patch.status }),
      ...(patch.statusReason !== undefined && { status_reason: patch.statusReason }),
      ...(patch.physicalId !== undefined && { physical_id: patch.physicalId }),
      ...(patch.propertiesSealed !== undefined && { properties_sealed: patch.propertiesSealed }),
      ...(patch.attributes !== undefined && { attributes_json: JSON.stringify(patch.attributes) }),
      ...(patch.deletionPolicy !== undefined && { deletion_policy: patch.deletionPolicy }),
      updated_at: patch.updatedAt,
    })
    .where("id", "=", id)
    .where("status", "=", expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** The stack's resources in the order they were first recorded. */
export async function stackResources(db: Executor, stackId: string): Promise<StackResourceRecord[]> {
  const rows = await db
    .selectFrom("stack_resources")
    .selectAll()
    .where("stack_id", "=", stackId)
    .orderBy("id")
    .execute();
  return rows.map(toResource);
}

/** Made resources of `type` in stacks not deleted (what EC2's Describe* list), oldest first, with their stack's name. */
export async function liveResourcesOfType(
  db: Executor,
  type: string,
): Promise<(StackResourceRecord & { stackName: string })[]> {
  const rows = await db
    .selectFrom("stack_resources")
    .innerJoin("stacks", "stacks.stack_id", "stack_resources.stack_id")
    .selectAll("stack_resources")
    .select("stacks.name as stack_name")
    .where("stack_resources.type", "=", type)
    .where("stack_resources.status", "in", ["CREATE_COMPLETE", "UPDATE_COMPLETE"])
    .where("stacks.deleted_at", "is", null)
    .orderBy("stack_resources.id")
    .execute();
  return rows.map((row) => ({ ...toResource(row), stackName: row.stack_name }));
}

export async function insertStackEvent(db: Executor, event: Omit<StackEventRecord, "id">): Promise<void> {
  await db
    .insertInto("stack_events")
    .values({
      event_id: event.eventId,
      stack_id: event.stackId,
      stack_name: event.stackName,
      logical_id: event.logicalId,
      physical_id: event.physicalId,
      type: event.type,
      status: event.status,
      status_reason: event.statusReason,
      at: event.at,
    })
    .execute();
}

/** The stack's events, newest first (as DescribeStackEvents), after `afterId` when given (live tails). */
export async function stackEvents(
  db: Executor,
  stackId: string,
  options: { afterId?: number; limit?: number } = {},
): Promise<StackEventRecord[]> {
  let query = db.selectFrom("stack_events").selectAll().where("stack_id", "=", stackId);
  if (options.afterId !== undefined) query = query.where("id", ">", options.afterId);
  const rows = await query
    .orderBy("id", "desc")
    .limit(options.limit ?? 1000)
    .execute();
  return rows.map(toEvent);
}
