/** Stable (elastic) addresses (migration 018). */
import type { AddressView } from "@fawkes/cloud";
import type { Executor } from "./executor.ts";
import type { DbAddress } from "./schema.ts";

/** An address as DescribeAddresses shows it, plus the stack resource that made it and when. */
export interface AddressRecord extends AddressView {
  stackId: string | null;
  logicalId: string | null;
  createdAt: number;
}

export interface AddressAssociation {
  associationId: string;
  instanceId: string;
  privateIp: string;
}

const toAddress = (row: DbAddress): AddressRecord => ({
  allocationId: row.allocation_id,
  publicIp: row.public_ip,
  domain: row.domain,
  associationId: row.association_id,
  instanceId: row.instance_id,
  privateIp: row.private_ip,
  stackId: row.stack_id,
  logicalId: row.logical_id,
  tags: JSON.parse(row.tags_json) as Record<string, string>,
  createdAt: Number(row.created_at),
});

export async function insertAddress(db: Executor, address: AddressRecord): Promise<void> {
  await db
    .insertInto("addresses")
    .values({
      allocation_id: address.allocationId,
      public_ip: address.publicIp,
      domain: address.domain,
      association_id: address.associationId,
      instance_id: address.instanceId,
      private_ip: address.privateIp,
      stack_id: address.stackId,
      logical_id: address.logicalId,
      tags_json: JSON.stringify(address.tags),
      created_at: address.createdAt,
    })
    .execute();
}

/** By allocation id (`eipalloc-…`) or public IP. */
export async function findAddress(db: Executor, idOrIp: string): Promise<AddressRecord | undefined> {
  const row = await db
    .selectFrom("addresses")
    .selectAll()
    .where((eb) => eb.or([eb("allocation_id", "=", idOrIp), eb("public_ip", "=", idOrIp)]))
    .executeTakeFirst();
  return row === undefined ? undefined : toAddress(row);
}

export async function listAddresses(db: Executor): Promise<AddressRecord[]> {
  const rows = await db
    .selectFrom("addresses")
    .selectAll()
    .orderBy("created_at")
    .orderBy("public_ip")
    .execute();
  return rows.map(toAddress);
}

export async function addressesOfInstance(db: Executor, instanceId: string): Promise<AddressRecord[]> {
  const rows = await db.selectFrom("addresses").selectAll().where("instance_id", "=", instanceId).execute();
  return rows.map(toAddress);
}

/**
 * Sets (or clears) the address's association, fenced on the association it had (`expected`): returns false,
 * changing nothing, when another association came first.
 */
export async function setAssociation(
  db: Executor,
  allocationId: string,
  association: AddressAssociation | null,
  expected: string | null,
): Promise<boolean> {
  const result = await db
    .updateTable("addresses")
    .set({
      association_id: association?.associationId ?? null,
      instance_id: association?.instanceId ?? null,
      private_ip: association?.privateIp ?? null,
    })
    .where("allocation_id", "=", allocationId)
    .where((eb) =>
      expected === null ? eb("association_id", "is", null) : eb("association_id", "=", expected),
    )
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function deleteAddress(db: Executor, allocationId: string): Promise<void> {
  await db.deleteFrom("addresses").where("allocation_id", "=", allocationId).execute();
}
