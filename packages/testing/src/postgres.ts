/**
 * A real, private PostgreSQL server for tests: Debian's `postgresql` binaries run a throwaway cluster in a temp
 * dir, listening on 127.0.0.1 on a free port (password auth, as a deployment would) and on a Unix socket inside
 * that dir (trust, reachable only by its owner) that the helper uses to create databases. Never mocked; when it
 * cannot start, the test fails with the server's own log instead of being skipped.
 *
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user the Debian package
 * creates, and its commands run through `runuser`.
 */
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, readdir, readFile, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import { promisify } from "node:util";
import { onCleanup, type CleanupScope } from "./cleanup.ts";
import { tempDir } from "./temp-dir.ts";

const run = promisify(execFile);

const POSTGRES_ROOT = "/usr/lib/postgresql";
const SUPERUSER = "fawkes";

export interface Postgres {
  /** `postgres://fawkes:…@127.0.0.1:PORT/postgres`: the cluster's default database. */
  url: string;
  host: string;
  port: number;
  /** Creates an empty database and returns its URL (one per test keeps tests independent). */
  createDatabase(name?: string): Promise<string>;
}

/** Starts a cluster that is stopped (and its files removed) when `scope` ends. */
export async function startPostgres(scope: CleanupScope): Promise<Postgres> {
  const bin = await postgresBin();
  const dir = await tempDir(scope, "fawkes-pg-");
  const asOwner = await ownerRunner(dir);
  const data = path.join(dir, "data");
  const password = randomBytes(18).toString("base64url");
  const passwordFile = path.join(dir, "password");
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (asOwner.uid !== undefined) await chown(passwordFile, asOwner.uid, asOwner.gid!);
  await asOwner.exec(path.join(bin, "initdb"), [
    "--pgdata",
    data,
    "--username",
    SUPERUSER,
    `--pwfile=${passwordFile}`,
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--encoding=UTF8",
    "--no-instructions",
  ]);

  const host = "127.0.0.1";
  const port = await freePort();
  const log = path.join(dir, "server.log");
  // Durability off: a test cluster is thrown away, and fsync on a shared disk only slows every test down.
  const serverOptions = [
    `-c listen_addresses=${host}`,
    `-c port=${port}`,
    `-c unix_socket_directories=${dir}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=50",
  ].join(" ");
  try {
    await asOwner.exec(path.join(bin, "pg_ctl"), [
      "start",
      "-D",
      data,
      "-l",
      log,
      "-w",
      "-t",
      "30",
      "-o",
      serverOptions,
    ]);
  } catch (error) {
    const serverLog = await readFile(log, "utf8").catch(() => "(no log)");
    throw new Error(`PostgreSQL did not start on ${host}:${port}:\n${serverLog}`, { cause: error });
  }
  onCleanup(scope, () =>
    asOwner.exec(path.join(bin, "pg_ctl"), ["stop", "-D", data, "-m", "immediate", "-w"]),
  );

  const urlOf = (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
  let databases = 0;
  return {
    url: urlOf("postgres"),
    host,
    port,
    async createDatabase(name = `test_${++databases}_${randomBytes(3).toString("hex")}`) {
      if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
      await asOwner.exec(path.join(bin, "createdb"), ["-h", dir, "-p", String(port), "-U", SUPERUSER, name]);
      return urlOf(name);
    },
  };
}

/** The newest installed major version's bin directory; a clear failure when the package is missing. */
async function postgresBin(): Promise<string> {
  const versions = await readdir(POSTGRES_ROOT).catch(() => [] as string[]);
  const newest = versions.filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a))[0];
  if (newest === undefined)
    throw new Error(
      `PostgreSQL is not installed (no ${POSTGRES_ROOT}/<version>): apt-get install postgresql`,
    );
  return path.join(POSTGRES_ROOT, newest, "bin");
}

interface OwnerRunner {
  uid: number | undefined;
  gid: number | undefined;
  exec(command: string, args: string[]): Promise<void>;
}

/** Runs PostgreSQL's commands as the current user, or as `postgres` (owning `dir`) when we are root. */
async function ownerRunner(dir: string): Promise<OwnerRunner> {
  const exec = async (file: string, args: string[], command = file) => {
    try {
      await run(file, args, { timeout: 60_000 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      const output = stderr || stdout || String(error);
      throw new Error(`${path.basename(command)} failed: ${output}`, { cause: error });
    }
  };
  if (process.getuid?.() !== 0) return { uid: undefined, gid: undefined, exec };
  const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  await chown(dir, uid, gid);
  return {
    uid,
    gid,
    exec: (command, args) => exec("runuser", ["-u", "postgres", "--", command, ...args], command),
  };
}

/** A port the kernel just handed out and released: free unless another process grabs it in between. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port from the kernel");
  return address.port;
}
