import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, rename, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { ObjectIndex } from "./object-index.ts";
import type { ObjectRecord } from "./object-record.ts";

/** Data files of the first layout were `data/<xx>/<32 hex>`; newer ones live directly in `data/`. */
const SHARDED = /^[0-9a-f]{32}$/;
const SHARD_DIRECTORY = /^[0-9a-f]{2}$/;

/**
 * One bucket on local disk:
 *   index.sqlite        key → record (the only place a key appears; keys never become paths)
 *   data/o-<id>         immutable data of an object uploaded in one piece, named by a random id
 *   data/m-<id>/        a multipart object: its part files, listed in order by the record's `extents`
 *                       (data/ entries that no key points at are removed on open: a crash's leftovers)
 *   tmp/                uploads in progress (cleared on open)
 *   uploads/<uploadId>/ multipart uploads
 * A new version is written to tmp/, fsynced, renamed into data/ (which is fsynced), and only then committed to
 * the index. data/ is one directory so concurrent commits share its fsync (group commit).
 */
export class Bucket {
  readonly name: string;
  readonly dir: string;
  readonly created: number;
  readonly index: ObjectIndex;
  private readonly dataDir: string;
  /** data/ stays open: its fsync is part of every commit. */
  private dataHandle: Promise<FileHandle> | undefined;
  private readonly dataSync: GroupSync;
  /** Multipart objects being read: their part files are removed only once the last reader is done. */
  private readonly readers = new Map<string, number>();
  private readonly doomed = new Set<string>();

  constructor(name: string, dir: string, created: number) {
    this.name = name;
    this.dir = dir;
    this.created = created;
    this.dataDir = join(dir, "data");
    this.index = new ObjectIndex(join(dir, "index.sqlite"));
    this.dataSync = new GroupSync(async () => {
      this.dataHandle ??= open(this.dataDir, "r").catch((error: unknown) => {
        this.dataHandle = undefined;
        throw error;
      });
      await (await this.dataHandle).sync();
    });
  }

  get uploadsDir(): string {
    return join(this.dir, "uploads");
  }

  /** A fresh temp path inside the bucket (same filesystem, so the final rename is atomic). */
  tempPath(): string {
    return join(this.dir, "tmp", randomUUID());
  }

  dataPath(file: string): string {
    return SHARDED.test(file) ? join(this.dataDir, file.slice(0, 2), file) : join(this.dataDir, file);
  }

  get(key: string): ObjectRecord | undefined {
    return this.index.get(key);
  }

  /**
   * Makes a fully written, fsynced temp file (or, with `extents`, a directory of fsynced part files) the key's
   * current version. Concurrent commits to one key are serialised by the index: the last one wins and every
   * earlier version's data is removed.
   */
  async commit(tempPath: string, record: Omit<ObjectRecord, "file">): Promise<ObjectRecord> {
    const file = `${record.extents ? "m" : "o"}-${randomUUID().replace(/-/g, "")}`;
    await rename(tempPath, join(this.dataDir, file));
    await this.dataSync.run();
    const full: ObjectRecord = { ...record, file };
    const replaced = this.index.put(full);
    if (replaced !== undefined) await this.removeData(replaced);
    return full;
  }

  /** Removes the key; with `ifFile`, only while that data file is still the current version. */
  async delete(key: string, ifFile?: string): Promise<boolean> {
    const file =
      ifFile === undefined ? this.index.delete(key) : this.index.deleteIf(key, ifFile) ? ifFile : undefined;
    if (file === undefined) return false;
    await this.removeData(file);
    return true;
  }

  /**
   * Keeps a version's data in place until `release`. A single data file needs no such care (readers hold it
   * open, and unlinking an open file is safe on POSIX), but a multipart object's parts are opened one by one.
   */
  acquire(file: string): void {
    this.readers.set(file, (this.readers.get(file) ?? 0) + 1);
  }

  async release(file: string): Promise<void> {
    const left = (this.readers.get(file) ?? 1) - 1;
    if (left > 0) {
      this.readers.set(file, left);
      return;
    }
    this.readers.delete(file);
    if (this.doomed.delete(file)) await this.removeData(file);
  }

  private async removeData(file: string): Promise<void> {
    if (this.readers.has(file)) {
      this.doomed.add(file);
      return;
    }
    await rm(this.dataPath(file), { recursive: true, force: true }).catch(() => undefined);
  }

  /** Runs once, when the bucket is opened and before anything uses it. */
  async prepare(): Promise<void> {
    await rm(join(this.dir, "tmp"), { recursive: true, force: true });
    await mkdir(join(this.dir, "tmp"), { recursive: true, mode: 0o700 });
    await mkdir(this.uploadsDir, { recursive: true, mode: 0o700 });
    await mkdir(this.dataDir, { recursive: true, mode: 0o700 });
    await this.removeOrphans();
  }

  /**
   * Removes data no key points at: left when the process died between a rename into data/ and its index commit,
   * or while a replaced multipart object was still being read. Safe only here, with no commit in flight.
   */
  private async removeOrphans(): Promise<void> {
    const referenced = this.index.files();
    for (const entry of await readdir(this.dataDir, { withFileTypes: true })) {
      if (entry.isDirectory() && SHARD_DIRECTORY.test(entry.name)) {
        const shard = join(this.dataDir, entry.name);
        for (const name of await readdir(shard)) {
          if (!referenced.has(name)) await rm(join(shard, name), { force: true });
        }
      } else if (!referenced.has(entry.name)) {
        await rm(join(this.dataDir, entry.name), { recursive: true, force: true });
      }
    }
  }

  close(): void {
    const handle = this.dataHandle;
    this.dataHandle = undefined;
    void handle?.then((h) => h.close()).catch(() => undefined);
    this.index.close();
  }
}

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Group commit for one directory's fsync: a sync requested while one is running waits for the next one, which
 * covers every rename made before it started. Concurrent commits then share a single fsync.
 */
export class GroupSync {
  private readonly doSync: () => Promise<void>;
  private running: Promise<void> | undefined;
  private next: Promise<void> | undefined;

  constructor(doSync: () => Promise<void>) {
    this.doSync = doSync;
  }

  run(): Promise<void> {
    if (this.running === undefined) return this.start();
    this.next ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.next = undefined;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const running = this.doSync().finally(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
    return running;
  }
}

/** Removes a temp file after a failed upload; missing is fine. */
export async function discard(path: string): Promise<void> {
  await rm(path, { force: true });
}
