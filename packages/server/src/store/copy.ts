/**
 * `fawkes db copy`: moves a stopped server's SQLite database into an empty PostgreSQL database, so the server can
 * be started on PostgreSQL (`--database`) with its whole history.
 *
 * - The data directory is locked like a server locks it (a running server refuses the copy, and no server can
 *   start on the directory while it runs); the target takes the same one-server advisory lock as a server.
 * - Both ends are migrated to the latest schema first, so every table has the same columns on both sides.
 * - Rows are copied as stored, ids included, through kysely without the sealing plugin: sealed values stay sealed
 *   with the data key in `<data-dir>/keys`, which the PostgreSQL server goes on using.
 * - One transaction on the target: a failure half-way leaves it as empty as it was, and it can be copied again.
 *   Tables go parents first (foreign keys, read from SQLite), and each identity sequence restarts after the
 *   largest id copied, so the next insert cannot collide with a copied row.
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { sql, type Kysely } from "kysely";
import { lockDataDir } from "../data-dir-lock.ts";
import { loadDataKey } from "../keys.ts";
import { MIGRATION_TABLE, openDatabase, type OpenDatabase } from "./db.ts";
import { describePostgresUrl, isPostgresUrl } from "./postgres-url.ts";

/** Rows per insert: far below PostgreSQL's 65,535 parameters for the widest table. */
const BATCH_ROWS = 500;

export interface CopyProgress {
  table: string;
  /** Rows of `table` copied so far. */
  copied: number;
  /** Rows `table` has in the source. */
  total: number;
}

export interface CopyDatabaseOptions {
  /** The data directory of the server whose `fawkes.db` is copied (it must be stopped). */
  dataDir: string;
  /** The `postgres://` URL of the target database. */
  to: string;
  /** Called after each batch of rows, for a live progress line. */
  onProgress?(progress: CopyProgress): void;
}

export interface CopyDatabaseResult {
  /** `host:port/database` of the target (never its password). */
  target: string;
  /** Every copied table with its row count, in the order they were copied. */
  tables: { table: string; rows: number }[];
}

type AnyDb = Kysely<Record<string, Record<string, unknown>>>;

export async function copySqliteToPostgres(options: CopyDatabaseOptions): Promise<CopyDatabaseResult> {
  if (!isPostgresUrl(options.to))
    throw new FawkesError(
      ErrorCode.badRequest,
      `--to must be a postgres:// URL, not ${JSON.stringify(options.to)}`,
    );
  const file = path.join(options.dataDir, "fawkes.db");
  await access(file).catch((error: unknown) => {
    throw new FawkesError(
      ErrorCode.badRequest,
      `no Fawkes database in ${options.dataDir} (${file} is missing)`,
      {
        cause: error,
      },
    );
  });
  const lock = await lockDataDir(options.dataDir);
  try {
    const dataKey = await loadDataKey(options.dataDir);
    const source = await openDatabase(file, { dataKey });
    try {
      const target = await openDatabase(options.to, { dataKey });
      try {
        return await copyTables(source, target, options);
      } finally {
        await target.close();
      }
    } finally {
      await source.close();
    }
  } finally {
    await lock.release();
  }
}

async function copyTables(
  source: OpenDatabase,
  target: OpenDatabase,
  options: CopyDatabaseOptions,
): Promise<CopyDatabaseResult> {
  const from = source.db.withoutPlugins() as unknown as AnyDb;
  const to = target.db.withoutPlugins() as unknown as AnyDb;
  const targetName = describePostgresUrl(options.to);
  const tables = await sqliteTablesParentsFirst(from);
  const targetTables = new Set(await postgresTables(to));
  const missing = tables.filter((table) => !targetTables.has(table));
  if (missing.length > 0)
    throw new FawkesError(
      ErrorCode.internal,
      `database ${targetName} lacks table(s) ${missing.join(", ")} after migrating: is it another program's?`,
    );
  const occupied: string[] = [];
  for (const table of tables) if ((await countRows(to, table)) > 0) occupied.push(table);
  if (occupied.length > 0)
    throw new FawkesError(
      ErrorCode.databaseNotEmpty,
      `database ${targetName} already holds Fawkes data (rows in ${occupied.join(", ")}); copy into a new, empty database`,
    );

  const copied = await to.transaction().execute(async (trx) => {
    const counts: { table: string; rows: number }[] = [];
    for (const table of tables) {
      const total = await countRows(from, table);
      let rows = 0;
      let batch: Record<string, unknown>[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await trx.insertInto(table).values(batch).execute();
        rows += batch.length;
        batch = [];
        options.onProgress?.({ table, copied: rows, total });
      };
      for await (const row of from.selectFrom(table).selectAll().stream()) {
        batch.push(portableRow(row));
        if (batch.length >= BATCH_ROWS) await flush();
      }
      await flush();
      if (rows === 0) options.onProgress?.({ table, copied: 0, total });
      counts.push({ table, rows });
    }
    await restartIdentities(trx);
    return counts;
  });
  return { target: targetName, tables: copied };
}

/** node:sqlite reads blobs as Uint8Array; node-postgres sends a Buffer as bytea. */
function portableRow(row: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [column, value] of Object.entries(row))
    copy[column] = value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value) : value;
  return copy;
}

/** The source's Fawkes tables, each after every table its foreign keys refer to (a table's own rows aside). */
async function sqliteTablesParentsFirst(db: AnyDb): Promise<string[]> {
  const listed = await sql<{ name: string }>`
    select name from sqlite_master
    where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name not like ${`${MIGRATION_TABLE}%`}
    order by name`.execute(db);
  const names = listed.rows.map((row) => row.name);
  const parents = new Map<string, string[]>();
  for (const name of names) {
    const keys = await sql<{ table: string }>`select "table" from pragma_foreign_key_list(${name})`.execute(
      db,
    );
    parents.set(
      name,
      keys.rows.map((key) => key.table).filter((parent) => parent !== name),
    );
  }
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (name: string) => {
    if (ordered.includes(name)) return;
    if (visiting.has(name)) throw new Error(`foreign keys form a cycle through ${name}`);
    visiting.add(name);
    for (const parent of parents.get(name) ?? []) if (parents.has(parent)) visit(parent);
    visiting.delete(name);
    ordered.push(name);
  };
  for (const name of names) visit(name);
  return ordered;
}

async function postgresTables(db: AnyDb): Promise<string[]> {
  const listed = await sql<{ name: string }>`
    select table_name as name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE'`.execute(db);
  return listed.rows.map((row) => row.name);
}

async function countRows(db: AnyDb, table: string): Promise<number> {
  const result = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(result.rows[0]?.n ?? 0);
}

/** Each identity column's sequence continues after the largest id now in its table (or at 1 when empty). */
async function restartIdentities(db: AnyDb): Promise<void> {
  const identities = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = current_schema() and (is_identity = 'YES' or column_default like 'nextval(%')`.execute(
    db,
  );
  for (const { table_name: table, column_name: column } of identities.rows) {
    await sql`
      select setval(
        pg_get_serial_sequence(${`"${table}"`}, ${column}),
        coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1,
        false
      )`.execute(db);
  }
}
