/**
 * IAM roles and their inline policies (migration 009). Names are looked up without regard to case, as AWS
 * does; documents go in and out as parsed JSON, validated by the service (identity/roles.ts) before they get here.
 */
import type { Executor } from "./executor.ts";
import type { DbRoleTable } from "./schema.ts";

export interface RoleRecord {
  roleId: string;
  name: string;
  path: string;
  arn: string;
  trustPolicy: unknown;
  description: string | null;
  maxSessionDurationSeconds: number;
  permissionsBoundaryArn: string | null;
  tags: Record<string, string>;
  createdAt: number;
}

export interface RolePolicyRecord {
  name: string;
  document: unknown;
}

/** What still refers to a role (deleting it needs all three at zero). */
export interface RoleUsage {
  inlinePolicies: number;
  attachedPolicies: number;
  instanceProfiles: number;
}

const toRecord = (row: DbRoleTable): RoleRecord => ({
  roleId: row.role_id,
  name: row.name,
  path: row.path,
  arn: row.arn,
  trustPolicy: JSON.parse(row.trust_policy_json) as unknown,
  description: row.description,
  maxSessionDurationSeconds: row.max_session_duration,
  permissionsBoundaryArn: row.permissions_boundary_arn,
  tags: JSON.parse(row.tags_json) as Record<string, string>,
  createdAt: row.created_at,
});

/** The case-insensitive key of a role, policy or instance profile name. */
export const nameKey = (name: string): string => name.toLowerCase();

export async function insertRole(db: Executor, role: RoleRecord): Promise<void> {
  await db
    .insertInto("roles")
    .values({
      role_id: role.roleId,
      name: role.name,
      name_key: nameKey(role.name),
      path: role.path,
      arn: role.arn,
      trust_policy_json: JSON.stringify(role.trustPolicy),
      description: role.description,
      max_session_duration: role.maxSessionDurationSeconds,
      permissions_boundary_arn: role.permissionsBoundaryArn,
      tags_json: JSON.stringify(role.tags),
      created_at: role.createdAt,
    })
    .execute();
}

export async function findRoleByName(db: Executor, name: string): Promise<RoleRecord | undefined> {
  const row = await db
    .selectFrom("roles")
    .selectAll()
    .where("name_key", "=", nameKey(name))
    .executeTakeFirst();
  return row && toRecord(row);
}

export async function findRoleById(db: Executor, roleId: string): Promise<RoleRecord | undefined> {
  const row = await db.selectFrom("roles").selectAll().where("role_id", "=", roleId).executeTakeFirst();
  return row && toRecord(row);
}

/** Roles whose path starts with `pathPrefix` (every role for `/`), by name. */
export async function listRoles(db: Executor, pathPrefix = "/"): Promise<RoleRecord[]> {
  const rows = await db.selectFrom("roles").selectAll().orderBy("name_key").execute();
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map(toRecord);
}

export interface RoleChanges {
  trustPolicy?: unknown;
  description?: string | null;
  maxSessionDurationSeconds?: number;
  permissionsBoundaryArn?: string | null;
  tags?: Record<string, string>;
}

export async function updateRole(db: Executor, roleId: string, changes: RoleChanges): Promise<void> {
  await db
    .updateTable("roles")
    .set({
      ...(changes.trustPolicy !== undefined && { trust_policy_json: JSON.stringify(changes.trustPolicy) }),
      ...(changes.description !== undefined && { description: changes.description }),
      ...(changes.maxSessionDurationSeconds !== undefined && {
        max_session_duration: changes.maxSessionDurationSeconds,
      }),
      ...(changes.permissionsBoundaryArn !== undefined && {
        permissions_boundary_arn: changes.permissionsBoundaryArn,
      }),
      ...(changes.tags !== undefined && { tags_json: JSON.stringify(changes.tags) }),
    })
    .where("role_id", "=", roleId)
    .execute();
}

export async function deleteRoleRow(db: Executor, roleId: string): Promise<void> {
  await db.deleteFrom("roles").where("role_id", "=", roleId).execute();
}

export async function roleUsage(db: Executor, roleId: string): Promise<RoleUsage> {
  const count = async (table: "role_policies" | "role_policy_attachments" | "instance_profiles") =>
    Number(
      (
        await db
          .selectFrom(table)
          .select((eb) => eb.fn.countAll().as("n"))
          .where("role_id", "=", roleId)
          .executeTakeFirstOrThrow()
      ).n,
    );
  return {
    inlinePolicies: await count("role_policies"),
    attachedPolicies: await count("role_policy_attachments"),
    instanceProfiles: await count("instance_profiles"),
  };
}

/** Creates or replaces inline policy `name` of the role. */
export async function putRolePolicy(
  db: Executor,
  roleId: string,
  name: string,
  document: unknown,
): Promise<void> {
  const json = JSON.stringify(document);
  await db
    .insertInto("role_policies")
    .values({ role_id: roleId, name, document_json: json })
    .onConflict((oc) => oc.columns(["role_id", "name"]).doUpdateSet({ document_json: json }))
    .execute();
}

export async function findRolePolicy(
  db: Executor,
  roleId: string,
  name: string,
): Promise<RolePolicyRecord | undefined> {
  const row = await db
    .selectFrom("role_policies")
    .select(["name", "document_json"])
    .where("role_id", "=", roleId)
    .where("name", "=", name)
    .executeTakeFirst();
  return row && { name: row.name, document: JSON.parse(row.document_json) as unknown };
}

/** False when the role had no inline policy of that name. */
export async function deleteRolePolicy(db: Executor, roleId: string, name: string): Promise<boolean> {
  const result = await db
    .deleteFrom("role_policies")
    .where("role_id", "=", roleId)
    .where("name", "=", name)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}

/** The role's inline policies, by name. */
export async function listRolePolicies(db: Executor, roleId: string): Promise<RolePolicyRecord[]> {
  const rows = await db
    .selectFrom("role_policies")
    .select(["name", "document_json"])
    .where("role_id", "=", roleId)
    .orderBy("name")
    .execute();
  return rows.map((row) => ({ name: row.name, document: JSON.parse(row.document_json) as unknown }));
}

/** Roles a managed policy is attached to (`attached`) or is the permissions boundary of, by name. */
export async function rolesUsingPolicy(
  db: Executor,
  policy: { policyId: string; arn: string },
): Promise<{ attached: RoleRecord[]; bounded: RoleRecord[] }> {
  const attached = await db
    .selectFrom("roles")
    .innerJoin("role_policy_attachments as a", "a.role_id", "roles.role_id")
    .selectAll("roles")
    .where("a.policy_id", "=", policy.policyId)
    .orderBy("roles.name_key")
    .execute();
  const bounded = await db
    .selectFrom("roles")
    .selectAll()
    .where("permissions_boundary_arn", "=", policy.arn)
    .orderBy("name_key")
    .execute();
  return { attached: attached.map(toRecord), bounded: bounded.map(toRecord) };
}
