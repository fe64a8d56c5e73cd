import { closeSync, openSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { ObjectMeta, ObjectRecord, StoredChecksum } from "./object-record.ts";

interface Row {
  key: string;
  file: string;
  size: number;
  etag: string;
  last_modified: number;
  meta: string;
}

export interface ListQuery {
  prefix: string;
  delimiter: string;
  /** Return only entries strictly after this key (or common prefix). */
  after: string;
  maxKeys: number;
}

/** What a listing returns about an object (no content type or metadata, as in S3's ListObjects). */
export interface ListedObject {
  key: string;
  file: string;
  size: number;
  etag: string;
  lastModified: number;
  checksum?: Pick<StoredChecksum, "algorithm" | "type">;
}

export interface ListPage {
  contents: ListedObject[];
  commonPrefixes: string[];
  isTruncated: boolean;
  /** The last key or common prefix returned: the marker for the next page. */
  last: string | undefined;
}

const BATCH = 1000;
let indexesOpened = 0;

/**
 * The per-bucket key index: one SQLite file (node:sqlite) with a clustered primary key on the object key.
 * SQLite's BINARY collation compares UTF-8 bytes, which is exactly S3's listing order, and a commit is the
 * single point at which a new object version becomes visible.
 */
export class ObjectIndex {
  private readonly db: DatabaseSync;
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly deleteStmt: StatementSync;
  private readonly deleteIfStmt: StatementSync;
  private readonly anyStmt: StatementSync;
  /** Distinguishes this index from one opened later for a bucket of the same name. */
  private readonly instance = ++indexesOpened;
  private generation = 0;

  constructor(path: string) {
    // Created private first: SQLite gives the -wal and -shm files the database file's mode.
    closeSync(openSync(path, "a", 0o600));
    this.db = new DatabaseSync(path);
    this.db.exec(`
      PRAGMA journal_mode = WAL;
      PRAGMA synchronous = NORMAL;
      PRAGMA busy_timeout = 5000;
      CREATE TABLE IF NOT EXISTS objects (
        key TEXT PRIMARY KEY NOT NULL,
        file TEXT NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT NOT NULL,
        last_modified INTEGER NOT NULL,
        meta TEXT NOT NULL
      ) WITHOUT ROWID;`);
    this.getStmt = this.db.prepare("SELECT * FROM objects WHERE key = ?");
    this.putStmt = this.db.prepare(
      "INSERT OR REPLACE INTO objects (key, file, size, etag, last_modified, meta) VALUES (?, ?, ?, ?, ?, ?)",
    );
    this.deleteStmt = this.db.prepare("DELETE FROM objects WHERE key = ? RETURNING file");
    this.deleteIfStmt = this.db.prepare("DELETE FROM objects WHERE key = ? AND file = ? RETURNING file");
    this.anyStmt = this.db.prepare("SELECT 1 FROM objects LIMIT 1");
  }

  /** Changes whenever a listing of this index could change (see ObjectStorage.listingVersion). */
  get version(): string {
    return `${this.instance}.${this.generation}`;
  }

  get(key: string): ObjectRecord | undefined {
    const row = this.getStmt.get(key) as Row | undefined;
    return row && toRecord(row);
  }

  /** Replaces the key's record; returns the data file of the version it replaced, to be removed. */
  put(record: ObjectRecord): string | undefined {
    const meta: ObjectMeta = {
      contentType: record.contentType,
      headers: record.headers,
      userMetadata: record.userMetadata,
      ...(record.checksum ? { checksum: record.checksum } : {}),
      ...(record.extents ? { extents: record.extents } : {}),
    };
    this.db.exec("BEGIN IMMEDIATE");
    try {
      const old = this.getStmt.get(record.key) as Row | undefined;
      this.putStmt.run(
        record.key,
        record.file,
        record.size,
        record.etag,
        record.lastModified,
        JSON.stringify(meta),
      );
      this.db.exec("COMMIT");
      this.generation++;
      return old && old.file !== record.file ? old.file : undefined;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  /** Removes the key; returns its data file, or undefined when there was none. */
  delete(key: string): string | undefined {
    const row = this.deleteStmt.get(key) as { file: string } | undefined;
    if (row) this.generation++;
    return row?.file;
  }

  /** Removes the key only while `file` is its current version (a compare-and-delete, atomic in SQLite). */
  deleteIf(key: string, file: string): boolean {
    const deleted = this.deleteIfStmt.get(key, file) !== undefined;
    if (deleted) this.generation++;
    return deleted;
  }

  isEmpty(): boolean {
    return this.anyStmt.get() === undefined;
  }

  /** Every data file some key points at. */
  files(): Set<string> {
    const rows = this.db.prepare("SELECT file FROM objects").all() as { file: string }[];
    return new Set(rows.map((row) => row.file));
  }

  /** One page of a listing with S3's prefix/delimiter/marker semantics; common prefixes count toward maxKeys. */
  list(query: ListQuery): ListPage {
    const { prefix, delimiter, maxKeys } = query;
    const upper = prefix === "" ? undefined : successor(prefix);
    const contents: ListedObject[] = [];
    const commonPrefixes: string[] = [];
    const afterIsPast = compareUtf8(query.after, prefix) >= 0;
    let cursor = afterIsPast ? query.after : prefix;
    let inclusive = !afterIsPast;
    let last: string | undefined;
    const stmtInclusive = this.listStatement(">=", upper !== undefined);
    const stmtExclusive = this.listStatement(">", upper !== undefined);
    for (;;) {
      // One row past what the page still has room for tells whether it is truncated, without reading a batch more.
      const limit = Math.min(BATCH, maxKeys - contents.length - commonPrefixes.length + 1);
      const args: (string | number)[] = upper === undefined ? [cursor, limit] : [cursor, upper, limit];
      const rows = (inclusive ? stmtInclusive : stmtExclusive).all(...args) as unknown as ListRow[];
      if (rows.length === 0) return { contents, commonPrefixes, isTruncated: false, last };
      let jumped = false;
      for (const row of rows) {
        const key = row.key;
        let commonPrefix: string | undefined;
        if (delimiter !== "") {
          const at = key.indexOf(delimiter, prefix.length);
          if (at >= 0) commonPrefix = key.slice(0, at + delimiter.length);
        }
        // A page that ended on a common prefix resumes with the marker equal to it: skip its keys.
        if (commonPrefix !== undefined && compareUtf8(commonPrefix, query.after) <= 0) {
          cursor = successor(commonPrefix);
          inclusive = true;
          jumped = true;
          break;
        }
        if (contents.length + commonPrefixes.length >= maxKeys)
          return { contents, commonPrefixes, isTruncated: true, last };
        if (commonPrefix !== undefined) {
          commonPrefixes.push(commonPrefix);
          last = commonPrefix;
          cursor = successor(commonPrefix);
          inclusive = true;
          jumped = true;
          break;
        }
        contents.push(toListed(row));
        last = key;
      }
      if (!jumped) {
        if (rows.length < limit) return { contents, commonPrefixes, isTruncated: false, last };
        cursor = rows[rows.length - 1]!.key;
        inclusive = false;
      }
    }
  }

  private readonly listStatements = new Map<string, StatementSync>();
  private listStatement(op: ">" | ">=", bounded: boolean): StatementSync {
    // Listings read only what they return; the checksum fields come out of the JSON in SQLite, not in JS.
    const sql = `SELECT key, file, size, etag, last_modified,
      json_extract(meta, '$.checksum.algorithm') AS checksum_algorithm,
      json_extract(meta, '$.checksum.type') AS checksum_type
      FROM objects WHERE key ${op} ? ${bounded ? "AND key < ?" : ""} ORDER BY key LIMIT ?`;
    let stmt = this.listStatements.get(sql);
    if (!stmt) this.listStatements.set(sql, (stmt = this.db.prepare(sql)));
    return stmt;
  }

  close(): void {
    if (this.db.isOpen) this.db.close();
  }
}

interface ListRow extends Omit<Row, "meta"> {
  checksum_algorithm: StoredChecksum["algorithm"] | null;
  checksum_type: StoredChecksum["type"] | null;
}

function toListed(row: ListRow): ListedObject {
  const listed: ListedObject = {
    key: row.key,
    file: row.file,
    size: row.size,
    etag: row.etag,
    lastModified: row.last_modified,
  };
  if (row.checksum_algorithm && row.checksum_type)
    listed.checksum = { algorithm: row.checksum_algorithm, type: row.checksum_type };
  return listed;
}

function toRecord(row: Row): ObjectRecord {
  const meta = JSON.parse(row.meta) as ObjectMeta & Pick<ObjectRecord, "extents">;
  return {
    key: row.key,
    file: row.file,
    size: row.size,
    etag: row.etag,
    lastModified: row.last_modified,
    ...meta,
  };
}

/** Byte-wise UTF-8 comparison (S3's order), which differs from JS string order for astral characters. */
export function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** The smallest string greater than every string that starts with `prefix`, in UTF-8 byte order. */
export function successor(prefix: string): string {
  const chars = Array.from(prefix);
  while (chars.length > 0) {
    const code = chars.pop()!.codePointAt(0)!;
    if (code < 0x10ffff) {
      const next = code + 1 === 0xd800 ? 0xe000 : code + 1;
      return chars.join("") + String.fromCodePoint(next);
    }
  }
  return "\u{10ffff}\u{10ffff}";
}
