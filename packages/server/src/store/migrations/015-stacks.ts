/**
 * Migration 015: stacks (CloudFormation-style), their resources and their events. A stack's id is its ARN, as
 * CloudFormation's; its name is unique among stacks not deleted (a deleted stack stays, as DescribeStacks by id
 * shows it for 90 days on AWS). The template, the parameter values and each resource's resolved properties may
 * carry secrets (NoEcho parameters, user data), so they are sealed with the data key (cloud/secret-box.ts).
 * A resource's physical id is stored before its provider makes it, so a create a crash interrupted can be
 * deleted on the next start. Events are only ever added.
 */
import { sql, type Kysely, type Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const stacksMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { id, idColumn, int64 } = portableTypes(dialect);
    await db.schema
      .createTable("stacks")
      .addColumn("stack_id", "text", (c) => c.primaryKey().notNull())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_reason", "text")
      .addColumn("description", "text")
      .addColumn("template_sealed", "text", (c) => c.notNull())
      .addColumn("parameters_sealed", "text", (c) => c.notNull())
      .addColumn("no_echo_json", "text", (c) => c.notNull())
      .addColumn("previous_template_sealed", "text")
      .addColumn("previous_parameters_sealed", "text")
      .addColumn("capabilities_json", "text", (c) => c.notNull())
      .addColumn("tags_json", "text", (c) => c.notNull())
      .addColumn("outputs_json", "text", (c) => c.notNull())
      .addColumn("disable_rollback", "integer", (c) => c.notNull())
      .addColumn("created_by", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .addColumn("updated_at", int64)
      .addColumn("deleted_at", int64)
      .execute();
    // One live stack per name; deleted ones keep theirs.
    await db.schema
      .createIndex("stacks_live_name")
      .on("stacks")
      .column("name")
      .unique()
      .where(sql.ref("deleted_at"), "is", null)
      .execute();
    await db.schema
      .createTable("stack_resources")
      .addColumn("id", id, idColumn)
      .addColumn("stack_id", "text", (c) => c.notNull())
      .addColumn("logical_id", "text", (c) => c.notNull())
      .addColumn("physical_id", "text")
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_reason", "text")
      .addColumn("properties_sealed", "text", (c) => c.notNull())
      .addColumn("attributes_json", "text", (c) => c.notNull())
      .addColumn("deletion_policy", "text", (c) => c.notNull())
      .addColumn("updated_at", int64, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("stack_resources_stack")
      .on("stack_resources")
      .columns(["stack_id", "logical_id"])
      .execute();
    await db.schema
      .createTable("stack_events")
      .addColumn("id", id, idColumn)
      .addColumn("event_id", "text", (c) => c.notNull())
      .addColumn("stack_id", "text", (c) => c.notNull())
      .addColumn("stack_name", "text", (c) => c.notNull())
      .addColumn("logical_id", "text", (c) => c.notNull())
      .addColumn("physical_id", "text")
      .addColumn("type", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("status_reason", "text")
      .addColumn("at", int64, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("stack_events_stack").on("stack_events").columns(["stack_id", "id"]).execute();
  },
});
