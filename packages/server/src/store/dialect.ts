/**
 * A kysely dialect for Node's built-in `node:sqlite` (DatabaseSync), so the server needs no native addon.
 * Query compilation, adapter and introspection are kysely's SQLite ones; only the driver is ours.
 */
import type { DatabaseSync, SQLInputValue, StatementSync } from "node:sqlite";
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from "kysely";

export interface NodeSqliteDialectConfig {
  /** An open database; the driver closes it on `Kysely.destroy()`. */
  database: DatabaseSync;
}

/** SQLite does run DDL inside transactions, so a failed migration rolls back completely. */
class NodeSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

export class NodeSqliteDialect implements Dialect {
  readonly #config: NodeSqliteDialectConfig;
  constructor(config: NodeSqliteDialectConfig) {
    this.#config = config;
  }
  createDriver(): Driver {
    return new NodeSqliteDriver(this.#config.database);
  }
  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }
  createAdapter(): DialectAdapter {
    return new NodeSqliteAdapter();
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new SqliteIntrospector(db);
  }
}

class NodeSqliteDriver implements Driver {
  readonly #connection: NodeSqliteConnection;
  readonly #mutex = new ConnectionMutex();
  readonly #database: DatabaseSync;

  constructor(database: DatabaseSync) {
    this.#database = database;
    this.#connection = new NodeSqliteConnection(database);
  }

  async init(): Promise<void> {}

  /** There is one connection; the mutex makes a transaction own it until commit or rollback. */
  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#mutex.lock();
    return this.#connection;
  }

  async releaseConnection(): Promise<void> {
    this.#mutex.unlock();
  }

  async beginTransaction(connection: DatabaseConnection, _settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("begin"));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("commit"));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw("rollback"));
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint ${quoteIdentifier(name)}`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to ${quoteIdentifier(name)}`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release ${quoteIdentifier(name)}`));
  }

  async destroy(): Promise<void> {
    if (this.#database.isOpen) this.#database.close();
  }
}

/** Prepared statements kept per SQL text; kysely produces a small, fixed set of shapes. */
const STATEMENT_CACHE_SIZE = 500;

class NodeSqliteConnection implements DatabaseConnection {
  readonly #database: DatabaseSync;
  readonly #statements = new Map<string, { statement: StatementSync; returnsRows: boolean }>();
  constructor(database: DatabaseSync) {
    this.#database = database;
  }

  #prepare(sqlText: string): { statement: StatementSync; returnsRows: boolean } {
    let cached = this.#statements.get(sqlText);
    if (!cached) {
      const statement = this.#database.prepare(sqlText);
      cached = { statement, returnsRows: returnsRows(statement) };
      if (this.#statements.size >= STATEMENT_CACHE_SIZE)
        this.#statements.delete(this.#statements.keys().next().value!);
      this.#statements.set(sqlText, cached);
    }
    return cached;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const { statement, returnsRows } = this.#prepare(compiledQuery.sql);
    const parameters = toSqliteParameters(compiledQuery.parameters);
    if (returnsRows) {
      // Rows stay node:sqlite's null-prototype objects: copying them cost more than the queries on big pages.
      return { rows: statement.all(...parameters) as R[] };
    }
    const { changes, lastInsertRowid } = statement.run(...parameters);
    return { rows: [], numAffectedRows: BigInt(changes), insertId: BigInt(lastInsertRowid) };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    if (!SelectQueryNode.is(compiledQuery.query)) {
      throw new Error("node:sqlite driver only streams select queries");
    }
    const statement = this.#database.prepare(compiledQuery.sql);
    for (const row of statement.iterate(...toSqliteParameters(compiledQuery.parameters))) {
      yield { rows: [toPlainRow(row) as R] };
    }
  }
}

/** `insert … returning` and `select` both have result columns; plain DML and DDL have none. */
function returnsRows(statement: StatementSync): boolean {
  return statement.columns().length > 0;
}

/**
 * node:sqlite binds every JS number as a REAL, so `1` written to a text column reads back as "1.0" and
 * integer-valued numbers lose their integer storage class; binding them as BigInt keeps them INTEGER (as
 * better-sqlite3 does). It rejects booleans and undefined: callers store booleans as 0/1, we convert
 * defensively.
 */
function toSqliteParameters(parameters: readonly unknown[]): SQLInputValue[] {
  return parameters.map((value) => {
    if (typeof value === "number") return Number.isSafeInteger(value) ? BigInt(value) : value;
    if (typeof value === "boolean") return value ? 1n : 0n;
    if (value === undefined) return null;
    return value as SQLInputValue;
  });
}

/** node:sqlite rows have a null prototype; plain objects behave as callers (and deepEqual) expect. */
function toPlainRow(row: Record<string, unknown>): Record<string, unknown> {
  return { ...row };
}

function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** A FIFO lock: waiters are served in arrival order. */
class ConnectionMutex {
  #locked = false;
  readonly #waiters: (() => void)[] = [];

  async lock(): Promise<void> {
    if (!this.#locked) {
      this.#locked = true;
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  unlock(): void {
    const next = this.#waiters.shift();
    if (next) next();
    else this.#locked = false;
  }
}
