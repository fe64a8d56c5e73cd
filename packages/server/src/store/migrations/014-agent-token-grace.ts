/**
 * Migration 014: an agent's previous token during a rotation's grace. When an agent rotates its token
 * (services/agent-tokens.ts) the token it rotated away from stays valid until the new one is first used or
 * `previous_token_until` passes, so an agent that dies between the server's answer and writing the new token to
 * disk comes back with the old one and rotates again. Both null: no rotation in flight.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const agentTokenGraceMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema.alterTable("agents").addColumn("previous_token_hash", "text").execute();
    await db.schema.alterTable("agents").addColumn("previous_token_until", int64).execute();
    await db.schema
      .createIndex("agents_previous_token_hash")
      .on("agents")
      .column("previous_token_hash")
      .execute();
  },
});
