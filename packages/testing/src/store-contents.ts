/**
 * The bytes a server's store holds, whichever store it is: the SQLite files of its data directory (database,
 * write-ahead log and shared memory) or a dump of its PostgreSQL database. Tests search them for what must be
 * stored only sealed (secrets, passwords, keys).
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { dumpDatabase } from "./postgres.ts";

export interface StoredServer {
  dataDir: string;
  /** The PostgreSQL URL of its store; undefined for SQLite. */
  database: string | undefined;
}

export async function storeContents(server: StoredServer): Promise<Buffer> {
  if (server.database !== undefined) return Buffer.from(await dumpDatabase(server.database));
  const files = (await readdir(server.dataDir)).filter((name) => name.startsWith("fawkes.db")).sort();
  return Buffer.concat(await Promise.all(files.map((name) => readFile(path.join(server.dataDir, name)))));
}
