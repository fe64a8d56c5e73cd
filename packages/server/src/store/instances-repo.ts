/** Phoenix instances (migration 017). User data arrives and leaves sealed. */
import type { InstanceState } from "@fawkes/core";
import type { Executor } from "./executor.ts";
import type { DbInstance } from "./schema.ts";

export interface InstanceRecord {
  instanceId: string;
  state: InstanceState;
  stateReason: string | null;
  privateIp: string;
  publicIp: string | null;
  hostname: string;
  imageId: string;
  instanceType: string;
  keyName: string | null;
  subnetId: string | null;
  securityGroupIds: string[];
  instanceProfileArn: string | null;
  roleArn: string | null;
  stackId: string | null;
  logicalId: string | null;
  tags: Record<string, string>;
  userDataSealed: string;
  launchedAt: number;
  terminatedAt: number | null;
}

const toInstance = (row: DbInstance): InstanceRecord => ({
  instanceId: row.instance_id,
  state: row.state as InstanceState,
  stateReason: row.state_reason,
  privateIp: row.private_ip,
  publicIp: row.public_ip,
  hostname: row.hostname,
  imageId: row.image_id,
  instanceType: row.instance_type,
  keyName: row.key_name,
  subnetId: row.subnet_id,
  securityGroupIds: JSON.parse(row.security_group_ids_json) as string[],
  instanceProfileArn: row.instance_profile_arn,
  roleArn: row.role_arn,
  stackId: row.stack_id,
  logicalId: row.logical_id,
  tags: JSON.parse(row.tags_json) as Record<string, string>,
  userDataSealed: row.user_data_sealed,
  launchedAt: Number(row.launched_at),
  terminatedAt: row.terminated_at === null ? null : Number(row.terminated_at),
});

export async function insertInstance(db: Executor, instance: InstanceRecord): Promise<void> {
  await db
    .insertInto("instances")
    .values({
      instance_id: instance.instanceId,
      state: instance.state,
      state_reason: instance.stateReason,
      private_ip: instance.privateIp,
      public_ip: instance.publicIp,
      hostname: instance.hostname,
      image_id: instance.imageId,
      instance_type: instance.instanceType,
      key_name: instance.keyName,
      subnet_id: instance.subnetId,
      security_group_ids_json: JSON.stringify(instance.securityGroupIds),
      instance_profile_arn: instance.instanceProfileArn,
      role_arn: instance.roleArn,
      stack_id: instance.stackId,
      logical_id: instance.logicalId,
      tags_json: JSON.stringify(instance.tags),
      user_data_sealed: instance.userDataSealed,
      launched_at: instance.launchedAt,
      terminated_at: instance.terminatedAt,
    })
    .execute();
}

export type InstancePatch = Partial<
  Pick<InstanceRecord, "state" | "stateReason" | "launchedAt" | "terminatedAt">
>;

/**
 * Writes `patch` if the instance is still in `expected` (fencing: two operations never both move one
 * instance); returns whether it was.
 */
export async function updateInstance(
  db: Executor,
  instanceId: string,
  expected: InstanceState,
  patch: InstancePatch,
): Promise<boolean> {
  const result = await db
    .updateTable("instances")
    .set({
      ...(patch.state !== undefined && { state: patch.state }),
      ...(patch.stateReason !== undefined && { state_reason: patch.stateReason }),
      ...(patch.launchedAt !== undefined && { launched_at: patch.launchedAt }),
      ...(patch.terminatedAt !== undefined && { terminated_at: patch.terminatedAt }),
    })
    .where("instance_id", "=", instanceId)
    .where("state", "=", expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

/** Sets (or clears) the elastic address of an instance not terminated; returns whether there was one. */
export async function setInstancePublicIp(
  db: Executor,
  instanceId: string,
  publicIp: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable("instances")
    .set({ public_ip: publicIp })
    .where("instance_id", "=", instanceId)
    .where("terminated_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function findInstance(db: Executor, instanceId: string): Promise<InstanceRecord | undefined> {
  const row = await db
    .selectFrom("instances")
    .selectAll()
    .where("instance_id", "=", instanceId)
    .executeTakeFirst();
  return row && toInstance(row);
}

/** Instances oldest first: those not terminated, and those terminated since `terminatedSince` when given. */
export async function listInstances(
  db: Executor,
  options: { terminatedSince?: number; states?: readonly InstanceState[] } = {},
): Promise<InstanceRecord[]> {
  let query = db.selectFrom("instances").selectAll();
  query =
    options.terminatedSince === undefined
      ? query.where("terminated_at", "is", null)
      : query.where((eb) =>
          eb.or([eb("terminated_at", "is", null), eb("terminated_at", ">=", options.terminatedSince!)]),
        );
  if (options.states?.length) query = query.where("state", "in", options.states);
  const rows = await query.orderBy("launched_at").orderBy("instance_id").execute();
  return rows.map(toInstance);
}

/** Addresses of instances not terminated (allocation skips them). */
export async function liveInstanceAddresses(db: Executor): Promise<string[]> {
  const rows = await db
    .selectFrom("instances")
    .select("private_ip")
    .where("terminated_at", "is", null)
    .execute();
  return rows.map((row) => row.private_ip);
}
