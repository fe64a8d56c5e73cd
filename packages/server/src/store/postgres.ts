/**
 * PostgreSQL as the store (`--database postgres://…`): node-postgres under kysely's own PostgresDialect, with
 * the same migrations, plugins and repositories as SQLite.
 *
 * - One pooled connection. The engine was written against SQLite's single connection, where a transaction
 *   owns the database until it ends and every other query waits; a pool of one keeps exactly those semantics
 *   until the lifecycle steps lock what they change themselves.
 * - 64-bit integers (ids, epoch milliseconds, sums and counts) read back as numbers, as on SQLite, instead of
 *   node-postgres's strings; a value beyond 2^53 is an error, never a silently rounded number.
 * - One server per database: a session-level advisory lock, held by a connection of its own for the life of
 *   the handle, refuses a second server before it migrates or writes anything. PostgreSQL drops the lock when
 *   that session ends, however the holder died.
 */
import { FawkesError, ErrorCode } from "@fawkes/protocol";
import { describePostgresUrl } from "./postgres-url.ts";
import { PostgresDialect } from "kysely";
import pg from "pg";
import Cursor from "pg-cursor";

/** Advisory locks are per database; the key only has to be Fawkes's own (ASCII "fawkes" as a number). */
const SERVER_LOCK_KEY = "112780546221415";
const CONNECT_TIMEOUT_MS = 10_000;
const INT8_OID = 20;
const NUMERIC_OID = 1700;

function parseInt64(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`database integer ${text} is beyond JavaScript's 2^53`);
  return value;
}

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: "text" | "binary") => {
    if (oid === INT8_OID) return parseInt64;
    if (oid === NUMERIC_OID) return Number;
    return pg.types.getTypeParser(oid, format);
  }) as pg.CustomTypesConfig["getTypeParser"],
};

export interface PostgresConnection {
  dialect: PostgresDialect;
  /** Ends the pool's connections is kysely's job (`destroy`); this ends the lock's session afterwards. */
  releaseLock(): Promise<void>;
}

/**
 * Connects, takes the one-server lock and returns the dialect for kysely. A database that cannot be reached or
 * refuses the credentials is a FAWKES_DATABASE_UNAVAILABLE naming the host; one held by another server is a
 * FAWKES_DATA_DIR_IN_USE naming the database.
 */
export async function connectPostgres(url: string): Promise<PostgresConnection> {
  const target = describePostgresUrl(url);
  const config: pg.ClientConfig = {
    connectionString: url,
    types,
    application_name: "fawkes-server",
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  };
  const lockSession = new pg.Client(config);
  // A broken session loses the lock; the pool's queries fail on their own, so this only keeps the process up.
  lockSession.on("error", () => {});
  try {
    await lockSession.connect();
  } catch (error) {
    await lockSession.end().catch(() => {});
    throw new FawkesError(
      ErrorCode.databaseUnavailable,
      `cannot connect to PostgreSQL at ${target}: ${connectionFailure(error)}`,
      { cause: error },
    );
  }
  const locked = await lockSession
    .query<{ locked: boolean }>("select pg_try_advisory_lock($1::bigint) as locked", [SERVER_LOCK_KEY])
    .catch(async (error: unknown) => {
      await lockSession.end().catch(() => {});
      throw error;
    });
  if (locked.rows[0]?.locked !== true) {
    await lockSession.end().catch(() => {});
    throw new FawkesError(ErrorCode.dataDirInUse, `database ${target} is in use by another fawkes server`);
  }

  const pool = new pg.Pool({ ...config, max: 1 });
  // An idle pooled connection that breaks emits here; the next query reconnects.
  pool.on("error", () => {});
  return {
    dialect: new PostgresDialect({ pool, cursor: Cursor }),
    releaseLock: () => lockSession.end(),
  };
}

/** node-postgres reports a host with several addresses (localhost: ::1 and 127.0.0.1) as an AggregateError. */
function connectionFailure(error: unknown): string {
  if (error instanceof AggregateError && error.message === "")
    return error.errors.map((inner: unknown) => connectionFailure(inner)).join("; ");
  return error instanceof Error ? error.message : String(error);
}
