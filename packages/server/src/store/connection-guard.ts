/**
 * Both stores have one connection (SQLite by nature, PostgreSQL by a pool of one), and a transaction owns it
 * until it ends. Code running inside a transaction that asks the database handle for a connection again
 * would wait for itself forever. The guarded dialect refuses that request at once, with an error naming the
 * mistake, instead of hanging the server: `holdingConnection` marks the async context of a transaction's body.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { DatabaseConnection, Dialect, Driver } from "kysely";

interface Holder {
  holding: boolean;
}

const holder = new AsyncLocalStorage<Holder>();

/** True inside the body of a transaction opened through {@link holdingConnection}. */
export function holdsConnection(): boolean {
  return holder.getStore()?.holding === true;
}

/**
 * Runs `open`, which opens a transaction and calls `body` inside it: from `body`'s start to its end, any other
 * connection request from the same async context is refused.
 */
export function holdingConnection<T>(
  open: (body: <R>(work: () => Promise<R>) => Promise<R>) => Promise<T>,
): Promise<T> {
  const state: Holder = { holding: false };
  return holder.run(state, () =>
    open(async (work) => {
      state.holding = true;
      try {
        return await work();
      } finally {
        state.holding = false;
      }
    }),
  );
}

export function guardDialect(dialect: Dialect): Dialect {
  return {
    createAdapter: () => dialect.createAdapter(),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createIntrospector: (db) => dialect.createIntrospector(db),
    createDriver: () => guardDriver(dialect.createDriver()),
  };
}

function guardDriver(driver: Driver): Driver {
  return {
    init: () => driver.init(),
    acquireConnection: async (): Promise<DatabaseConnection> => {
      if (holdsConnection())
        throw new Error(
          "the database was used inside a lifecycle step through another handle than the step's `db`: the step holds the only connection",
        );
      return driver.acquireConnection();
    },
    beginTransaction: (connection, settings) => driver.beginTransaction(connection, settings),
    commitTransaction: (connection) => driver.commitTransaction(connection),
    rollbackTransaction: (connection) => driver.rollbackTransaction(connection),
    releaseConnection: (connection) => driver.releaseConnection(connection),
    destroy: () => driver.destroy(),
    ...(driver.savepoint && { savepoint: driver.savepoint.bind(driver) }),
    ...(driver.rollbackToSavepoint && { rollbackToSavepoint: driver.rollbackToSavepoint.bind(driver) }),
    ...(driver.releaseSavepoint && { releaseSavepoint: driver.releaseSavepoint.bind(driver) }),
  };
}
