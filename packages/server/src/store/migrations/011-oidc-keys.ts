/**
 * Migration 011: the OIDC issuer's signing keys (identity/oidc). The private key is sealed with the data key
 * (AES-256-GCM, bound to its `kid`: cloud/secret-box.ts) before it reaches this table; the public key is a JWK.
 * A key signs until `signs_until` and stays in the JWKS until `retire_after`, when every token it signed has
 * expired.
 */
import type { Kysely, Migration } from "kysely";
import { portableTypes, type SqlDialect } from "./portable.ts";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

export const oidcKeysMigration = (dialect: SqlDialect): Migration => ({
  async up(db: AnyDb): Promise<void> {
    const { int64 } = portableTypes(dialect);
    await db.schema
      .createTable("oidc_keys")
      .addColumn("kid", "text", (c) => c.primaryKey().notNull())
      .addColumn("algorithm", "text", (c) => c.notNull())
      .addColumn("public_jwk", "text", (c) => c.notNull())
      .addColumn("private_key_sealed", "text", (c) => c.notNull())
      .addColumn("created_at", int64, (c) => c.notNull())
      .addColumn("signs_until", int64, (c) => c.notNull())
      .addColumn("retire_after", int64, (c) => c.notNull())
      .execute();
  },
});
