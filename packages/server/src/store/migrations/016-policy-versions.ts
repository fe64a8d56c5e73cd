/**
 * Migration 016: managed policy versions, as AWS keeps them. Each policy has one to five versions
 * (`managed_policy_versions`, numbered 1, 2, … and shown as `v1`, `v2`, …); `default_version` names the one
 * evaluation uses and `next_version` the number the next CreatePolicyVersion gets, so a deleted version's id is
 * never reused. Policies also get tags and an update time. The document each policy held moves into its `v1`
 * and the policy's own `document_json` column goes: the versions table is the one place a document lives.
 */
import { sql, type Kysely, type Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const policyVersionsMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema
      .createTable("managed_policy_versions")
      .addColumn("policy_id", "text", (c) => c.notNull().references("managed_policies.policy_id"))
      .addColumn("version_number", "integer", (c) => c.notNull())
      .addColumn("document_json", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .addPrimaryKeyConstraint("managed_policy_versions_pk", ["policy_id", "version_number"])
      .execute();
    const add = (column: string, type: "integer" | "text" | "bigint", fallback: number | string) =>
      db.schema
        .alterTable("managed_policies")
        .addColumn(column, type, (c) => c.notNull().defaultTo(fallback))
        .execute();
    await add("default_version", "integer", 1);
    await add("next_version", "integer", 2);
    await add("tags_json", "text", "{}");
    await add("updated_at", int64, 0);
    await sql`insert into managed_policy_versions (policy_id, version_number, document_json, created_at)
      select policy_id, 1, document_json, created_at from managed_policies`.execute(db);
    await sql`update managed_policies set updated_at = created_at`.execute(db);
    await db.schema.alterTable("managed_policies").dropColumn("document_json").execute();
  },
});
