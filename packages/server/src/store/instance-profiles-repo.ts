/** Instance profiles (migration 009): each holds at most one role. */
import type { Executor } from "./executor.ts";
import { nameKey } from "./roles-repo.ts";
import type { DbInstanceProfileTable } from "./schema.ts";

export interface InstanceProfileRecord {
  instanceProfileId: string;
  name: string;
  path: string;
  arn: string;
  tags: Record<string, string>;
  /** Its role's id, or null while it has none. */
  roleId: string | null;
  createdAt: number;
}

const toRecord = (row: DbInstanceProfileTable): InstanceProfileRecord => ({
  instanceProfileId: row.instance_profile_id,
  name: row.name,
  path: row.path,
  arn: row.arn,
  tags: JSON.parse(row.tags_json) as Record<string, string>,
  roleId: row.role_id,
  createdAt: row.created_at,
});

export async function insertInstanceProfile(db: Executor, profile: InstanceProfileRecord): Promise<void> {
  await db
    .insertInto("instance_profiles")
    .values({
      instance_profile_id: profile.instanceProfileId,
      name: profile.name,
      name_key: nameKey(profile.name),
      path: profile.path,
      arn: profile.arn,
      tags_json: JSON.stringify(profile.tags),
      role_id: profile.roleId,
      created_at: profile.createdAt,
    })
    .execute();
}

export async function findInstanceProfileByName(
  db: Executor,
  name: string,
): Promise<InstanceProfileRecord | undefined> {
  const row = await db
    .selectFrom("instance_profiles")
    .selectAll()
    .where("name_key", "=", nameKey(name))
    .executeTakeFirst();
  return row && toRecord(row);
}

/** Profiles whose path starts with `pathPrefix`, by name. */
export async function listInstanceProfiles(db: Executor, pathPrefix = "/"): Promise<InstanceProfileRecord[]> {
  const rows = await db.selectFrom("instance_profiles").selectAll().orderBy("name_key").execute();
  return rows.filter((row) => row.path.startsWith(pathPrefix)).map(toRecord);
}

export async function instanceProfilesOfRole(db: Executor, roleId: string): Promise<InstanceProfileRecord[]> {
  const rows = await db
    .selectFrom("instance_profiles")
    .selectAll()
    .where("role_id", "=", roleId)
    .orderBy("name_key")
    .execute();
  return rows.map(toRecord);
}

export async function setInstanceProfileRole(
  db: Executor,
  instanceProfileId: string,
  roleId: string | null,
): Promise<void> {
  await db
    .updateTable("instance_profiles")
    .set({ role_id: roleId })
    .where("instance_profile_id", "=", instanceProfileId)
    .execute();
}

export async function setInstanceProfileTags(
  db: Executor,
  instanceProfileId: string,
  tags: Record<string, string>,
): Promise<void> {
  await db
    .updateTable("instance_profiles")
    .set({ tags_json: JSON.stringify(tags) })
    .where("instance_profile_id", "=", instanceProfileId)
    .execute();
}

export async function deleteInstanceProfileRow(db: Executor, instanceProfileId: string): Promise<void> {
  await db.deleteFrom("instance_profiles").where("instance_profile_id", "=", instanceProfileId).execute();
}
