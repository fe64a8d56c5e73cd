/**
 * One server per data directory. The lock is SQLite's own exclusive lock on `<dataDir>/server.lock` (a tiny
 * database held open in `locking_mode = exclusive`): it is an fcntl lock, so the kernel drops it when the process
 * dies however it dies (kill -9 included), and it names no pid, so pid reuse cannot make a dead holder look alive
 * or a live one look dead. Connections of one process exclude each other too (SQLite tracks locks per inode).
 * The holder's pid sits beside it in `server.pid`, only to name it when a second server is refused.
 */
import { open, readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { ErrorCode, FawkesError } from "@fawkes/protocol";

export interface DataDirLock {
  /** Releases the lock (after the holder removed what it published, such as server.json). */
  release(): Promise<void>;
}

const SQLITE_BUSY = 5;

export async function lockDataDir(dataDir: string): Promise<DataDirLock> {
  const file = path.join(dataDir, "server.lock");
  const pidFile = path.join(dataDir, "server.pid");
  await (await open(file, "a", 0o600)).close();
  const lock = new DatabaseSync(file, { timeout: 0 });
  try {
    lock.exec("pragma locking_mode = exclusive");
    lock.exec("pragma journal_mode = memory"); // no -journal file beside it

    // A write transaction takes the exclusive lock; in this locking mode it is kept after the commit.
    lock.exec("begin exclusive");
    lock.exec("create table if not exists held (at integer)");
    lock.exec("commit");
  } catch (error) {
    lock.close();
    if ((error as { errcode?: number }).errcode !== SQLITE_BUSY) throw error;
    const pid = (await readFile(pidFile, "utf8").catch(() => "")).trim();
    throw new FawkesError(
      ErrorCode.dataDirInUse,
      `data directory ${dataDir} is in use by another fawkes server${/^\d+$/.test(pid) ? ` (pid ${pid})` : ""}`,
      { cause: error },
    );
  }
  await writeFile(pidFile, `${process.pid}\n`, { mode: 0o600 }).catch((error: unknown) => {
    lock.close();
    throw error;
  });
  let released = false;
  return {
    async release() {
      if (released) return;
      released = true;
      await rm(pidFile, { force: true });
      lock.close();
    },
  };
}
