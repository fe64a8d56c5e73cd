import { randomUUID } from "node:crypto";
import { mkdir, open, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ObjectIndex } from "./object-index.ts";
import type { ObjectRecord } from "./object-record.ts";

/**
 * One bucket on local disk:
 *   index.sqlite        key → record (the only place a key appears; keys never become paths)
 *   data/<xx>/<id>      immutable object data, named by a random id
 *   tmp/                uploads in progress (cleared on open)
 *   uploads/<uploadId>/ multipart uploads
 * A new version is written to tmp/, fsynced, renamed into data/, and only then committed to the index.
 */
export class Bucket {
  readonly name: string;
  readonly dir: string;
  readonly created: number;
  readonly index: ObjectIndex;
  private readonly shards = new Set<string>();
  private readonly syncer = new DirectorySyncer();

  constructor(name: string, dir: string, created: number) {
    this.name = name;
    this.dir = dir;
    this.created = created;
    this.index = new ObjectIndex(join(dir, "index.sqlite"));
  }

  get uploadsDir(): string {
    return join(this.dir, "uploads");
  }

  /** A fresh temp path inside the bucket (same filesystem, so the final rename is atomic). */
  tempPath(): string {
    return join(this.dir, "tmp", randomUUID());
  }

  dataPath(file: string): string {
    return join(this.dir, "data", file.slice(0, 2), file);
  }

  get(key: string): ObjectRecord | undefined {
    return this.index.get(key);
  }

  /**
   * Makes a fully written, fsynced temp file the key's current version. Concurrent commits to one key are
   * serialised by the index: the last one wins and every earlier data file is removed.
   */
  async commit(tempPath: string, record: Omit<ObjectRecord, "file">): Promise<ObjectRecord> {
    const file = randomUUID().replace(/-/g, "");
    const shard = file.slice(0, 2);
    const shardDir = join(this.dir, "data", shard);
    if (!this.shards.has(shard)) {
      await mkdir(shardDir, { recursive: true });
      this.shards.add(shard);
    }
    await rename(tempPath, join(shardDir, file));
    await this.syncer.sync(shardDir);
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

  /** Readers that opened the old file keep reading it: unlinking an open file is safe on POSIX. */
  private async removeData(file: string): Promise<void> {
    await unlink(this.dataPath(file)).catch(() => undefined);
  }

  async prepare(): Promise<void> {
    await rm(join(this.dir, "tmp"), { recursive: true, force: true });
    await mkdir(join(this.dir, "tmp"), { recursive: true });
    await mkdir(this.uploadsDir, { recursive: true });
  }

  close(): void {
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
 * Group commit for directory fsyncs: a sync requested while one is running waits for the next one, which covers
 * every rename made before it started. Concurrent commits into one directory then share a single fsync.
 */
export class DirectorySyncer {
  private readonly pending = new Map<string, { running: Promise<void>; next?: Promise<void> }>();

  sync(dir: string): Promise<void> {
    const state = this.pending.get(dir);
    if (!state) {
      const running = syncDirectory(dir).finally(() => this.advance(dir));
      this.pending.set(dir, { running });
      return running;
    }
    state.next ??= state.running.catch(() => undefined).then(() => syncDirectory(dir));
    return state.next;
  }

  private advance(dir: string): void {
    const state = this.pending.get(dir);
    if (!state) return;
    if (state.next === undefined) {
      this.pending.delete(dir);
      return;
    }
    const running = state.next.finally(() => this.advance(dir));
    this.pending.set(dir, { running });
  }
}

/** Removes a temp file after a failed upload; missing is fine. */
export async function discard(path: string): Promise<void> {
  await rm(path, { force: true });
}
