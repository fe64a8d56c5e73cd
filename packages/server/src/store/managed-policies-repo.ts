/**
 * Managed policies, their versions (migration 016) and their attachments to roles (migration 009). A policy
 * record carries its default version's document, the one evaluation uses: read with the version in one query.
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
  /** The default version's document. */
  document: unknown;
  /** The default version's number (`v2` → 2). */
  defaultVersion: number;
  /** The number the next version gets. */
  nextVersion: number;
  tags: Record<string, string>;
  createdAt: number;
  updatedAt: number;
}

export interface PolicyVersionRecord {
  version: number;
  document: unknown;
  createdAt: number;
}

const toRecord = (row: DbManagedPolicyTable & { document_json: string }): ManagedPolicyRecord => ({
  policyId: row.policy_id,
  name: row.name,
  path: row.path,
  arn: row.arn,
  description: row.description,
  document: JSON.parse(row.document_json) as unknown,
  defaultVersion: row.default_version,
  nextVersion: row.next_version,
  tags: JSON.parse(row.tags_json) as Record<string, string>,
  createdAt: row.created_at,
  updatedAt: row.updated_at,
});

/** Policies (`p`) with their default version's document. */
const withDefault = (db: Executor) =>
  db
    .selectFrom("managed_policies as p")
    .innerJoin("managed_policy_versions as v", (join) =>
      join.onRef("v.policy_id", "=", "p.policy_id").onRef("v.version_number", "=", "p.default_version"),
    )
    .selectAll("p")
    .select("v.document_json");

/** Inserts the policy with its document as `v1`, the default. */
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
      default_version: policy.defaultVersion,
      next_version: policy.nextVersion,
      tags_json: JSON.stringify(policy.tags),
      created_at: policy.createdAt,
      updated_at: policy.updatedAt,
    })
    .execute();
  await insertPolicyVersion(db, policy.policyId, {
    version: policy.defaultVersion,
    document: policy.document,
    createdAt: policy.createdAt,
  });
}

export async function findManagedPolicyByArn(
  db: Executor,
  arn: string,
): Promise<ManagedPolicyRecord | undefined> {
  const row = await withDefault(db).where("p.arn", "=", arn).executeTakeFirst();
  return row && toRecord(row);
}

export async function findManagedPolicyByName(
  db: Executor,
  name: string,
): Promise<ManagedPolicyRecord | undefined> {
  const row = await withDefault(db).where("p.name_key", "=", nameKey(name)).executeTakeFirst();
  return row && toRecord(row);
}

/** Policies whose path starts with `pathPrefix`, by name. */
export async function listManagedPolicies(db: Executor, pathPrefix = "/"): Promise<ManagedPolicyRecord[]> {
  const rows = await withDefault(db).orderBy("p.name_key").execute();
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map(toRecord);
}

/** Deletes the policy and every version it has. */
export async function deleteManagedPolicyRow(db: Executor, policyId: string): Promise<void> {
  await db.deleteFrom("managed_policy_versions").where("policy_id", "=", policyId).execute();
  await db.deleteFrom("managed_policies").where("policy_id", "=", policyId).execute();
}

export interface ManagedPolicyChanges {
  defaultVersion?: number;
  nextVersion?: number;
  tags?: Record<string, string>;
  updatedAt?: number;
}

export async function updateManagedPolicy(
  db: Executor,
  policyId: string,
  changes: ManagedPolicyChanges,
): Promise<void> {
  await db
    .updateTable("managed_policies")
    .set({
      ...(changes.defaultVersion !== undefined && { default_version: changes.defaultVersion }),
      ...(changes.nextVersion !== undefined && { next_version: changes.nextVersion }),
      ...(changes.tags !== undefined && { tags_json: JSON.stringify(changes.tags) }),
      ...(changes.updatedAt !== undefined && { updated_at: changes.updatedAt }),
    })
    .where("policy_id", "=", policyId)
    .execute();
}

export async function insertPolicyVersion(
  db: Executor,
  policyId: string,
  version: PolicyVersionRecord,
): Promise<void> {
  await db
    .insertInto("managed_policy_versions")
    .values({
      policy_id: policyId,
      version_number: version.version,
      document_json: JSON.stringify(version.document),
      created_at: version.createdAt,
    })
    .execute();
}

/** The policy's versions, oldest first. */
export async function policyVersions(db: Executor, policyId: string): Promise<PolicyVersionRecord[]> {
  const rows = await db
    .selectFrom("managed_policy_versions")
    .selectAll()
    .where("policy_id", "=", policyId)
    .orderBy("version_number")
    .execute();
  return rows.map((row) => ({
    version: row.version_number,
    document: JSON.parse(row.document_json) as unknown,
    createdAt: row.created_at,
  }));
}

/** False when the policy had no such version. */
export async function deletePolicyVersion(db: Executor, policyId: string, version: number): Promise<boolean> {
  const result = await db
    .deleteFrom("managed_policy_versions")
    .where("policy_id", "=", policyId)
    .where("version_number", "=", version)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
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
  const rows = await withDefault(db)
    .innerJoin("role_policy_attachments as a", "a.policy_id", "p.policy_id")
    .where("a.role_id", "=", roleId)
    .orderBy("p.name_key")
    .execute();
  return rows.map(toRecord);
}
