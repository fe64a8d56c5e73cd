/**
 * Opening the database: SQLite through node:sqlite (the embedded default), or PostgreSQL given a
 * `postgres://` URL (postgres.ts); either is migrated to the latest schema before anyone queries it and gets
 * the same plugins, so repositories cannot tell them apart. No module-level singleton: callers own the handle
 * and close it.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open as openFile } from "node:fs/promises";
import { dirname } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { Kysely, type Dialect } from "kysely";
import { guardDialect } from "./connection-guard.ts";
import { NodeSqliteDialect } from "./dialect.ts";
import { migrateToLatest } from "./migrate.ts";
import type { SqlDialect } from "./migrations/portable.ts";
import { isPostgresUrl } from "./postgres-url.ts";
import { SealingPlugin } from "./sealing-plugin.ts";
import type { Database } from "./schema.ts";

export type { Database } from "./schema.ts";
export { NodeSqliteDialect } from "./dialect.ts";
export { migrateToLatest, MIGRATION_TABLE } from "./migrate.ts";
export type { SqlDialect } from "./migrations/portable.ts";
export { describePostgresUrl, isPostgresUrl } from "./postgres-url.ts";

export interface OpenDatabase {
  db: Kysely<Database>;
  dialect: SqlDialect;
  /** Closes the connection (once; later calls wait for the same close); pending queries finish first. */
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** The data directory's key (keys.ts `loadDataKey`): secrets are sealed with it before they reach the file. */
  dataKey: Buffer;
}

/**
 * Opens `target`: a `postgres://` (or `postgresql://`) URL, or else the path of a SQLite file; then runs
 * pending migrations.
 */
export async function openDatabase(target: string, options: DatabaseOptions): Promise<OpenDatabase> {
  if (isPostgresUrl(target)) return openPostgresDatabase(target, options);
  return openSqliteDatabase(target, options);
}

/**
 * Opens (creating if needed) the SQLite file, creates its directory, and runs pending migrations. A new file
 * is created 0600 first: SQLite gives its -wal and -shm files the mode of the database file.
 */
async function openSqliteDatabase(file: string, options: DatabaseOptions): Promise<OpenDatabase> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await (await openFile(file, "a", 0o600)).close();
  const sqlite = new DatabaseSync(file);
  try {
    // WAL lets readers proceed during a write; NORMAL sync is durable across process crashes in WAL mode
    // (only an OS crash can lose the last commits), which is the usual trade-off for a server.
    sqlite.exec("pragma journal_mode = wal");
    sqlite.exec("pragma synchronous = normal");
    applyCommonPragmas(sqlite);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return openSqlite(sqlite, options.dataKey);
}

/** Connects (one server per database: postgres.ts) and migrates; a failed migration releases the lock. */
async function openPostgresDatabase(url: string, options: DatabaseOptions): Promise<OpenDatabase> {
  const { connectPostgres } = await import("./postgres.ts");
  const connection = await connectPostgres(url);
  try {
    return await open(connection.dialect, "postgres", options.dataKey, {
      afterClose: () => connection.releaseLock(),
    });
  } catch (error) {
    await connection.releaseLock().catch(() => {});
    throw error;
  }
}

/** A private in-memory database with the full schema, for unit tests (a random data key unless given). */
export async function openMemoryDatabase(options?: Partial<DatabaseOptions>): Promise<OpenDatabase> {
  const sqlite = new DatabaseSync(":memory:");
  applyCommonPragmas(sqlite);
  return openSqlite(sqlite, options?.dataKey ?? randomBytes(32));
}

function applyCommonPragmas(sqlite: DatabaseSync): void {
  sqlite.exec("pragma foreign_keys = on");
  sqlite.exec("pragma busy_timeout = 5000");
}

async function openSqlite(sqlite: DatabaseSync, dataKey: Buffer): Promise<OpenDatabase> {
  return open(new NodeSqliteDialect({ database: sqlite }), "sqlite", dataKey, {
    // Migration 007 replaced clear secrets; the WAL frames with the old pages must not outlive it.
    afterMigrating: (applied) => {
      if (applied.includes("007-sealed-secrets")) sqlite.exec("pragma wal_checkpoint(truncate)");
    },
  });
}

interface OpenHooks {
  afterMigrating?(applied: string[]): void;
  afterClose?(): Promise<void>;
}

async function open(
  dialect: Dialect,
  name: SqlDialect,
  dataKey: Buffer,
  hooks: OpenHooks,
): Promise<OpenDatabase> {
  // Guarded: inside a lifecycle step, a query through any handle but the step's transaction is an error, not a
  // deadlock (connection-guard.ts).
  const db = new Kysely<Database>({ dialect: guardDialect(dialect), plugins: [new SealingPlugin(dataKey)] });
  try {
    const applied = await migrateToLatest(db, dataKey, name);
    hooks.afterMigrating?.(applied);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    db,
    dialect: name,
    // Idempotent: node-postgres's pool refuses a second end, and owners may close from several paths.
    close: () =>
      (closing ??= (async () => {
        await db.destroy();
        await hooks.afterClose?.();
      })()),
  };
}
