/**
 * Migration 012: users, their per-group roles and personal API tokens; sessions belong to a user. Passwords are
 * stored as versioned scrypt hashes (identity/users/passwords.ts) and tokens as their SHA-256 only, so the
 * tables give nothing to log in with. A session's `user_id` is null for the bootstrap administrator (a login
 * with `<data-dir>/keys/api-token`), as for every session made before this migration.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const usersMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, idColumn, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("users")
      .addColumn("id", id, idColumn)
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("password_hash", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addColumn("disabled", "integer", (c) => c.notNull().defaultTo(0))
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("users_name").on("users").column("name").unique().execute();
    await db.schema
      .createTable("user_group_roles")
      .addColumn("user_id", id, (c) => c.notNull())
      .addColumn("group_name", "text", (c) => c.notNull())
      .addColumn("role", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("user_group_roles_pk", ["user_id", "group_name"])
      .execute();
    await db.schema
      .createTable("api_tokens")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("user_id", id, (c) => c.notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("token_hash", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .addColumn("expires_at", int64)
      .addColumn("last_used_at", int64)
      .execute();
    await db.schema
      .createIndex("api_tokens_token_hash")
      .on("api_tokens")
      .column("token_hash")
      .unique()
      .execute();
    await db.schema.createIndex("api_tokens_user_id").on("api_tokens").column("user_id").execute();
    await db.schema.alterTable("sessions").addColumn("user_id", id).execute();
  },
});
