/**
 * Managed policies and their attachments to roles (migration 009). One version per policy (`v1`); the
 * document is that version's.
 */
import type { Executor } from "./executor.ts";
import { nameKey } from "./roles-repo.ts";
import type { DbManagedPolicyTable } from "./schema.ts";

export interface ManagedPolicyRecord {
  policyId: string;
  name: string;
  path: string;
  arn: string;
  description: string | null;
  document: unknown;
  createdAt: number;
}

const toRecord = (row: DbManagedPolicyTable): ManagedPolicyRecord => ({
  policyId: row.policy_id,
  name: row.name,
  path: row.path,
  arn: row.arn,
  description: row.description,
  document: JSON.parse(row.document_json) as unknown,
  createdAt: row.created_at,
});

export async function insertManagedPolicy(db: Executor, policy: ManagedPolicyRecord): Promise<void> {
  await db
    .insertInto("managed_policies")
    .values({
      policy_id: policy.policyId,
      name: policy.name,
      name_key: nameKey(policy.name),
      path: policy.path,
      arn: policy.arn,
      description: policy.description,
      document_json: JSON.stringify(policy.document),
      created_at: policy.createdAt,
    })
    .execute();
}

export async function findManagedPolicyByArn(
  db: Executor,
  arn: string,
): Promise<ManagedPolicyRecord | undefined> {
  const row = await db.selectFrom("managed_policies").selectAll().where("arn", "=", arn).executeTakeFirst();
  return row && toRecord(row);
}

export async function findManagedPolicyByName(
  db: Executor,
  name: string,
): Promise<ManagedPolicyRecord | undefined> {
  const row = await db
    .selectFrom("managed_policies")
    .selectAll()
    .where("name_key", "=", nameKey(name))
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Policies whose path starts with `pathPrefix`, by name. */
export async function listManagedPolicies(db: Executor, pathPrefix = "/"): Promise<ManagedPolicyRecord[]> {
  const rows = await db.selectFrom("managed_policies").selectAll().orderBy("name_key").execute();
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map(toRecord);
}

export async function deleteManagedPolicyRow(db: Executor, policyId: string): Promise<void> {
  await db.deleteFrom("managed_policies").where("policy_id", "=", policyId).execute();
}

/** How many roles have the policy attached. */
export async function attachmentCount(db: Executor, policyId: string): Promise<number> {
  const row = await db
    .selectFrom("role_policy_attachments")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("policy_id", "=", policyId)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Attachment counts of every policy that has any, by policy id. */
export async function attachmentCounts(db: Executor): Promise<Map<string, number>> {
  const rows = await db
    .selectFrom("role_policy_attachments")
    .select(["policy_id", (eb) => eb.fn.countAll().as("n")])
    .groupBy("policy_id")
    .execute();
  return new Map(rows.map((row) => [row.policy_id, Number(row.n)]));
}

/** How many roles use the policy (by ARN) as their permissions boundary. */
export async function boundaryUsageCount(db: Executor, arn: string): Promise<number> {
  const row = await db
    .selectFrom("roles")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("permissions_boundary_arn", "=", arn)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Attaches (a no-op when already attached). */
export async function attachPolicy(db: Executor, roleId: string, policyId: string): Promise<void> {
  await db
    .insertInto("role_policy_attachments")
    .values({ role_id: roleId, policy_id: policyId })
    .onConflict((oc) => oc.columns(["role_id", "policy_id"]).doNothing())
    .execute();
}

/** False when the policy was not attached to the role. */
export async function detachPolicy(db: Executor, roleId: string, policyId: string): Promise<boolean> {
  const result = await db
    .deleteFrom("role_policy_attachments")
    .where("role_id", "=", roleId)
    .where("policy_id", "=", policyId)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The managed policies attached to a role, by name. */
export async function attachedPolicies(db: Executor, roleId: string): Promise<ManagedPolicyRecord[]> {
  const rows = await db
    .selectFrom("role_policy_attachments as a")
    .innerJoin("managed_policies as p", "p.policy_id", "a.policy_id")
    .selectAll("p")
    .where("a.role_id", "=", roleId)
    .orderBy("p.name_key")
    .execute();
  return rows.map(toRecord);
}
