/**
 * The two stores the server runs on, for tests that must hold on both: SQLite in a temp file, and a fresh
 * database on a private PostgreSQL cluster (one cluster per test file, started on first use, stopped when the
 * file's tests end). PostgreSQL is real (Debian's postgresql, @fawkes/testing startPostgres); a machine
 * without it fails these tests rather than skipping them.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test, type TestContext } from "node:test";
import { CleanupStack, startPostgres, type Postgres } from "@fawkes/testing";
import { openDatabase, type OpenDatabase, type SqlDialect } from "../../src/store/db.ts";

export interface Backend {
  name: SqlDialect;
  /** A new, empty store location: a SQLite file path or a PostgreSQL URL. */
  create(t: TestContext): Promise<string>;
}

// Registered when the file is imported, so the hook belongs to the file, not to the test that starts the cluster.
const fileScope = new CleanupStack();
after(() => fileScope.close());
let cluster: Promise<Postgres> | undefined;
function sharedCluster(): Promise<Postgres> {
  cluster ??= startPostgres(fileScope);
  return cluster;
}

export const backends: readonly Backend[] = [
  {
    name: "sqlite",
    async create(t) {
      const dir = await mkdtemp(join(tmpdir(), "fawkes-db-"));
      t.after(() => rm(dir, { recursive: true, force: true }));
      // A directory that does not exist yet: openDatabase must create it.
      return join(dir, "nested", "fawkes.db");
    },
  },
  {
    name: "postgres",
    async create() {
      return (await sharedCluster()).createDatabase();
    },
  },
];

/** Opens `target`, closing it when the test ends (a close the test made itself is not repeated). */
export async function openStore(t: TestContext, target: string, dataKey: Buffer): Promise<OpenDatabase> {
  const handle = await openDatabase(target, { dataKey });
  t.after(() => handle.close());
  return handle;
}

/** Declares one test per backend, named `title [sqlite]` and `title [postgres]`. */
export function testOnEachBackend(
  title: string,
  fn: (t: TestContext, backend: Backend) => Promise<void>,
): void {
  for (const backend of backends) test(`${title} [${backend.name}]`, (t) => fn(t, backend));
}
