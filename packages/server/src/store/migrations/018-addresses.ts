/**
 * Migration 018: stable (elastic) addresses. An address is allocated from `127.101.0.0/16` and keeps its
 * allocation id and public IP until released; it is associated with at most one instance at a time (the
 * association id changes with every association, so deleting an association that is no longer current is told
 * apart). The stack and logical id say which stack resource made it. The rows survive restarts: on start the
 * server listens again on every associated address.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const addressesMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema
      .createTable("addresses")
      .addColumn("allocation_id", "text", (c) => c.primaryKey().notNull())
      .addColumn("public_ip", "text", (c) => c.notNull())
      .addColumn("domain", "text", (c) => c.notNull())
      .addColumn("association_id", "text")
      .addColumn("instance_id", "text")
      .addColumn("private_ip", "text")
      .addColumn("stack_id", "text")
      .addColumn("logical_id", "text")
      .addColumn("tags_json", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("addresses_public_ip").on("addresses").column("public_ip").unique().execute();
    await db.schema.createIndex("addresses_instance").on("addresses").column("instance_id").execute();
  },
});
