/**
 * Which store the servers these helpers start use: `FAWKES_TEST_STORE=postgres` (set by `npm run
 * test:e2e:postgres`) gives every server a fresh database of its own on one private PostgreSQL cluster per test
 * process (postgres.ts `sharedPostgres`); unset or `sqlite`, the data directory's SQLite file, as in production
 * by default. The same test files thereby run on both stores.
 */
import { onCleanup, type CleanupScope } from "./cleanup.ts";
import { sharedPostgres } from "./postgres.ts";

export type TestStore = "sqlite" | "postgres";

/** The store chosen by FAWKES_TEST_STORE; anything else than the two names is an error, not a silent default. */
export function testStore(env: NodeJS.ProcessEnv = process.env): TestStore {
  const value = env.FAWKES_TEST_STORE ?? "";
  if (value === "" || value === "sqlite") return "sqlite";
  if (value === "postgres") return "postgres";
  throw new Error(`FAWKES_TEST_STORE must be "sqlite" or "postgres", not ${JSON.stringify(value)}`);
}

/**
 * The `database` a server started now should use: undefined for SQLite, else the URL of a new PostgreSQL
 * database that is dropped when `scope` ends (after the servers started later in the scope have stopped).
 */
export async function testDatabase(scope: CleanupScope): Promise<string | undefined> {
  if (testStore() === "sqlite") return undefined;
  const cluster = await sharedPostgres();
  const url = await cluster.createDatabase();
  onCleanup(scope, () => cluster.dropDatabase(url));
  return url;
}
