/**
 * Migration 009: IAM roles, their inline policies, managed policies and their attachments to roles, and
 * instance profiles (each holding at most one role, as in AWS). Names are unique without regard to case, as
 * AWS's are (`name_key` is the lower-cased name); ids are AWS-style (`AROA…`, `ANPA…`, `AIPA…`). Policy
 * documents are stored as the JSON the caller sent, already validated by the service.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const rolesMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema
      .createTable("roles")
      .addColumn("role_id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("name_key", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("arn", "text", (c) => c.notNull())
      .addColumn("trust_policy_json", "text", (c) => c.notNull())
      .addColumn("description", "text")
      .addColumn("max_session_duration", "integer", (c) => c.notNull())
      .addColumn("permissions_boundary_arn", "text")
      .addColumn("tags_json", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("role_policies")
      .addColumn("role_id", "text", (c) => c.notNull().references("roles.role_id"))
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("document_json", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("role_policies_pk", ["role_id", "name"])
      .execute();
    await db.schema
      .createTable("managed_policies")
      .addColumn("policy_id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("name_key", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("arn", "text", (c) => c.notNull())
      .addColumn("description", "text")
      .addColumn("document_json", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createTable("role_policy_attachments")
      .addColumn("role_id", "text", (c) => c.notNull().references("roles.role_id"))
      .addColumn("policy_id", "text", (c) => c.notNull().references("managed_policies.policy_id"))
      .addPrimaryKeyConstraint("role_policy_attachments_pk", ["role_id", "policy_id"])
      .execute();
    await db.schema
      .createIndex("role_policy_attachments_policy")
      .on("role_policy_attachments")
      .column("policy_id")
      .execute();
    await db.schema
      .createTable("instance_profiles")
      .addColumn("instance_profile_id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("name_key", "text", (c) => c.notNull())
      .addColumn("path", "text", (c) => c.notNull())
      .addColumn("arn", "text", (c) => c.notNull())
      .addColumn("tags_json", "text", (c) => c.notNull())
      // At most one role per profile (AWS's limit); null while empty.
      .addColumn("role_id", "text", (c) => c.references("roles.role_id"))
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("instance_profiles_role").on("instance_profiles").column("role_id").execute();
    // Named indexes rather than column constraints: the same index names on SQLite and PostgreSQL.
    for (const table of ["roles", "managed_policies", "instance_profiles"])
      await db.schema.createIndex(`${table}_name_key`).on(table).column("name_key").unique().execute();
    await db.schema
      .createIndex("managed_policies_arn")
      .on("managed_policies")
      .column("arn")
      .unique()
      .execute();
  },
});
