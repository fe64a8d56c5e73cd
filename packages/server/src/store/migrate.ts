/**
 * Forward-only, numbered migrations. The list is static (no directory scan), so the set that runs is exactly
 * what was shipped; add a migration by appending `NNN-name` below, never by editing an applied one.
 */
import { Migrator, type Kysely, type Migration, type MigrationResultSet } from "kysely";
import { FawkesError, ErrorCode } from "@fawkes/protocol";
import { initialMigration } from "./migrations/001-initial.ts";
import { lookupIndexesMigration } from "./migrations/002-lookup-indexes.ts";
import { downstreamIndexMigration } from "./migrations/003-downstream-index.ts";
import { accessKeysMigration } from "./migrations/004-access-keys.ts";
import { externalArtifactsMigration } from "./migrations/005-external-artifacts.ts";
import { sessionsMigration } from "./migrations/006-sessions.ts";
import { sealedSecretsMigration } from "./migrations/007-sealed-secrets.ts";
import { lifecycleOutboxMigration } from "./migrations/008-lifecycle-outbox.ts";
import { rolesMigration } from "./migrations/009-roles.ts";
import { stsSessionsMigration } from "./migrations/010-sts-sessions.ts";
import { oidcKeysMigration } from "./migrations/011-oidc-keys.ts";
import { usersMigration } from "./migrations/012-users.ts";
import { auditMigration } from "./migrations/013-audit.ts";
import { agentTokenGraceMigration } from "./migrations/014-agent-token-grace.ts";
import { stacksMigration } from "./migrations/015-stacks.ts";
import { policyVersionsMigration } from "./migrations/016-policy-versions.ts";
import { instancesMigration } from "./migrations/017-instances.ts";
import { addressesMigration } from "./migrations/018-addresses.ts";
import { stackSignalsMigration } from "./migrations/019-stack-signals.ts";
import type { SqlDialect } from "./migrations/portable.ts";
import type { Database } from "./schema.ts";

/**
 * In order; names sort lexically in the same order, as kysely requires. Some need the data key, some the
 * dialect (column types, SQLite-only pragmas: migrations/portable.ts).
 */
const migrations = (dataKey: Buffer, dialect: SqlDialect): Record<string, Migration> => ({
  "001-initial": initialMigration(dialect),
  "002-lookup-indexes": lookupIndexesMigration,
  "003-downstream-index": downstreamIndexMigration,
  "004-access-keys": accessKeysMigration(dialect),
  "005-external-artifacts": externalArtifactsMigration(dialect),
  "006-sessions": sessionsMigration(dialect),
  "007-sealed-secrets": sealedSecretsMigration(dataKey, dialect),
  "008-lifecycle-outbox": lifecycleOutboxMigration(dialect),
  "009-roles": rolesMigration(dialect),
  "010-sts-sessions": stsSessionsMigration(dialect),
  "011-oidc-keys": oidcKeysMigration(dialect),
  "012-users": usersMigration(dialect),
  "013-audit": auditMigration(dialect),
  "014-agent-token-grace": agentTokenGraceMigration(dialect),
  "015-stacks": stacksMigration(dialect),
  "016-policy-versions": policyVersionsMigration(dialect),
  "017-instances": instancesMigration(dialect),
  "018-addresses": addressesMigration(dialect),
  "019-stack-signals": stackSignalsMigration(dialect),
});

export const MIGRATION_TABLE = "fawkes_migrations";

/** Brings the database to the latest schema; a no-op when it is already there. Returns applied names. */
export async function migrateToLatest(
  db: Kysely<Database>,
  dataKey: Buffer,
  dialect: SqlDialect = "sqlite",
): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations(dataKey, dialect) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: `${MIGRATION_TABLE}_lock`,
    // Each migration adds its own tables and columns, independent of its neighbours: a database that ran a later
    // one first (a development database when branches merge in another order) still gets the earlier one.
    allowUnorderedMigrations: true,
  });
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === "Error")?.migrationName ?? "unknown";
    throw new FawkesError(ErrorCode.internal, `database migration ${failed} failed`, { cause: error });
  }
  return (results ?? [])
    .filter((result) => result.status === "Success")
    .map((result) => result.migrationName);
}
