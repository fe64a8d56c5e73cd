/**
 * A real, private PostgreSQL server for tests: Debian's `postgresql` binaries run a throwaway cluster in a temp
 * dir, listening on 127.0.0.1 on a free port (password auth, as a deployment would) and on a Unix socket inside
 * that dir (trust, reachable only by its owner) that the helper uses to create databases. Never mocked; when it
 * cannot start, the test fails with the server's own log instead of being skipped.
 *
 * PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` user the Debian package
 * creates, and its commands run through `runuser`.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
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
  /** The cluster's data directory (its `postmaster.pid` names the server process, for the bench's CPU figures). */
  dataDir: string;
  /** Creates an empty database and returns its URL (one per test keeps tests independent). */
  createDatabase(name?: string): Promise<string>;
  /** Drops a database `createDatabase` made, ending any session still connected to it. */
  dropDatabase(url: string): Promise<void>;
}

/** Starts a cluster that is stopped (and its files removed) when `scope` ends. */
export async function startPostgres(scope: CleanupScope): Promise<Postgres> {
  const cluster = await launchCluster(await tempDir(scope, "fawkes-pg-"));
  onCleanup(scope, cluster.stop);
  return cluster.postgres;
}

let shared: Promise<Postgres> | undefined;

/**
 * One cluster for the whole test process, started on first use and stopped when the process ends, however it
 * ends: a watchdog child waits for its stdin pipe from this process to close (exit, crash or SIGKILL alike),
 * then stops the cluster and removes its files. Starting a cluster costs about a second; a database, a few
 * milliseconds, so tests share the cluster and each server gets a database of its own.
 */
export function sharedPostgres(): Promise<Postgres> {
  shared ??= (async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "fawkes-pg-shared-"));
    try {
      const cluster = await launchCluster(dir);
      watchOverCluster(dir, cluster.stopCommand);
      return cluster.postgres;
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  })();
  return shared;
}

interface Cluster {
  postgres: Postgres;
  /** Stops the server (files stay: their temp dir's owner removes them). */
  stop(): Promise<void>;
  /** The same stop as an argv, for the watchdog. */
  stopCommand: string[];
}

async function launchCluster(dir: string): Promise<Cluster> {
  const bin = await postgresBin();
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
  const stopArgs = ["stop", "-D", data, "-m", "immediate", "-w"];

  const urlOf = (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${host}:${port}/${database}`;
  const viaSocket = ["-h", dir, "-p", String(port), "-U", SUPERUSER];
  let databases = 0;
  return {
    stop: () => asOwner.exec(path.join(bin, "pg_ctl"), stopArgs),
    stopCommand: asOwner.argv(path.join(bin, "pg_ctl"), stopArgs),
    postgres: {
      url: urlOf("postgres"),
      host,
      port,
      dataDir: data,
      async createDatabase(name = `test_${++databases}_${randomBytes(3).toString("hex")}`) {
        if (!PLAIN_NAME.test(name)) throw new Error(`not a plain database name: ${name}`);
        await asOwner.exec(path.join(bin, "createdb"), [...viaSocket, name]);
        return urlOf(name);
      },
      async dropDatabase(url) {
        const name = decodeURIComponent(new URL(url).pathname.slice(1));
        if (!PLAIN_NAME.test(name)) throw new Error(`not a plain database name: ${name}`);
        // --force ends the sessions a killed server may have left behind.
        await asOwner.exec(path.join(bin, "dropdb"), [...viaSocket, "--force", name]);
      },
    },
  };
}

const PLAIN_NAME = /^[a-z_][a-z0-9_]*$/;

/**
 * A detached shell (its own process group, so a Ctrl-C meant for the tests does not kill it first) that blocks
 * reading a pipe only this process writes to; the pipe closes when this process ends in any way.
 */
function watchOverCluster(dir: string, stopCommand: string[]): void {
  const script = 'dir=$1; shift; cat >/dev/null; "$@" >/dev/null 2>&1; rm -rf -- "$dir"';
  const watchdog = spawn("sh", ["-c", script, "fawkes-pg-watchdog", dir, ...stopCommand], {
    stdio: ["pipe", "ignore", "ignore"],
    detached: true,
  });
  // Neither the child nor its pipe keeps this process alive: the pipe closing at exit is the signal.
  watchdog.unref();
  (watchdog.stdin as Socket).unref();
}

/**
 * Everything a database holds, as `pg_dump`'s SQL text: what a test searches for data that must not be stored
 * in clear. The password goes in PGPASSWORD, never in pg_dump's arguments.
 */
export async function dumpDatabase(url: string): Promise<string> {
  const parsed = new URL(url);
  const database = decodeURIComponent(parsed.pathname.slice(1));
  const { stdout } = await run(
    path.join(await postgresBin(), "pg_dump"),
    ["-h", parsed.hostname, "-p", parsed.port || "5432", "-U", decodeURIComponent(parsed.username), database],
    {
      env: { ...process.env, PGPASSWORD: decodeURIComponent(parsed.password) },
      maxBuffer: 256 * 1024 * 1024,
      timeout: 60_000,
    },
  );
  return stdout;
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
  /** The argv that runs `command` as the owner. */
  argv(command: string, args: string[]): string[];
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
  if (process.getuid?.() !== 0)
    return { uid: undefined, gid: undefined, exec, argv: (command, args) => [command, ...args] };
  const uid = Number((await run("id", ["-u", "postgres"])).stdout.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).stdout.trim());
  await chown(dir, uid, gid);
  return {
    uid,
    gid,
    exec: (command, args) => exec("runuser", ["-u", "postgres", "--", command, ...args], command),
    argv: (command, args) => ["runuser", "-u", "postgres", "--", command, ...args],
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
