/**
 * Migration 017: phoenix instances (EC2's model). An instance's id is EC2's (`i-` and 17 hex digits); its
 * private address is unique among instances not terminated (a terminated one keeps its row, as
 * DescribeInstances shows it for a while). User data may carry secrets, so it is sealed with the data key
 * (cloud/secret-box.ts), as a stack's template is.
 */
import { sql, type Kysely, type Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const instancesMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema
      .createTable("instances")
      .addColumn("instance_id", "text", (c) => c.primaryKey().notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("state_reason", "text")
      .addColumn("private_ip", "text", (c) => c.notNull())
      .addColumn("public_ip", "text")
      .addColumn("hostname", "text", (c) => c.notNull())
      .addColumn("image_id", "text", (c) => c.notNull())
      .addColumn("instance_type", "text", (c) => c.notNull())
      .addColumn("key_name", "text")
      .addColumn("subnet_id", "text")
      .addColumn("security_group_ids_json", "text", (c) => c.notNull())
      .addColumn("instance_profile_arn", "text")
      .addColumn("role_arn", "text")
      .addColumn("stack_id", "text")
      .addColumn("logical_id", "text")
      .addColumn("tags_json", "text", (c) => c.notNull())
      .addColumn("user_data_sealed", "text", (c) => c.notNull())
      .addColumn("launched_at", int64, (c) => c.notNull())
      .addColumn("terminated_at", int64)
      .execute();
    // One live instance per address; terminated ones keep theirs.
    await db.schema
      .createIndex("instances_live_address")
      .on("instances")
      .column("private_ip")
      .unique()
      .where(sql.ref("terminated_at"), "is", null)
      .execute();
    await db.schema
      .createIndex("instances_stack")
      .on("instances")
      .columns(["stack_id", "logical_id"])
      .execute();
  },
});
