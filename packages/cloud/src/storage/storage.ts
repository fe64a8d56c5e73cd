import { randomUUID } from "node:crypto";
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { AwsError, s3Errors } from "../aws-error.ts";
import { Bucket, syncDirectory } from "./bucket.ts";
import type { BucketDocumentName, BucketInfo } from "./object-storage.ts";

export type { BucketInfo } from "./object-storage.ts";

/** S3's bucket naming rules (general purpose buckets). */
export function validBucketName(name: string): boolean {
  return (
    /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) &&
    !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) &&
    !name.startsWith("xn--") &&
    !name.startsWith("sthree-") &&
    !name.endsWith("-s3alias") &&
    !name.endsWith("--ol-s3")
  );
}

/**
 * A bucket document's text, or null when the bucket has none. Any other failure (EMFILE, EACCES, EIO) throws and
 * is not cached: an authorization document that cannot be read must deny the request, never count as absent.
 */
export async function readBucketDocument(path: string): Promise<string | null> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}

export function checkBucketName(name: string): void {
  if (!validBucketName(name))
    throw new AwsError("InvalidBucketName", 400, "The specified bucket is not valid.", {
      BucketName: name,
    });
}

export const alreadyOwned = (name: string): AwsError =>
  new AwsError(
    "BucketAlreadyOwnedByYou",
    409,
    "Your previous request to create the named bucket succeeded and you already own it.",
    { BucketName: name },
  );

export const bucketNotEmpty = (name: string): AwsError =>
  new AwsError("BucketNotEmpty", 409, "The bucket you tried to delete is not empty", { BucketName: name });

/** All buckets under `<dataDir>/buckets/`; bucket names are validated, so they are safe directory names. */
export class BucketDirectory {
  private readonly root: string;
  private readonly open = new Map<string, Promise<Bucket>>();
  /** Bucket documents are read on every authorised request (the policy): cached, null = absent. */
  private readonly documents = new Map<string, string | null>();

  constructor(root: string) {
    this.root = root;
  }

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
    // Leftovers of interrupted bucket creations and deletions.
    for (const entry of await readdir(this.root)) {
      if (entry.startsWith(".")) await rm(join(this.root, entry), { recursive: true, force: true });
    }
  }

  async list(): Promise<BucketInfo[]> {
    const names = (await readdir(this.root)).filter((n) => !n.startsWith(".")).sort();
    const result: BucketInfo[] = [];
    for (const name of names) {
      const info = await this.readInfo(name);
      if (info) result.push(info);
    }
    return result;
  }

  private async readInfo(name: string): Promise<BucketInfo | undefined> {
    if (!validBucketName(name)) return undefined;
    try {
      const json = JSON.parse(await readFile(join(this.root, name, "bucket.json"), "utf8")) as {
        created: number;
      };
      return { name, created: json.created };
    } catch {
      return undefined;
    }
  }

  /** Creates the bucket atomically: built under a hidden name, then renamed into place. */
  async create(name: string): Promise<void> {
    checkBucketName(name);
    if (await this.readInfo(name)) throw alreadyOwned(name);
    const staging = join(this.root, `.new-${randomUUID()}`);
    await mkdir(join(staging, "tmp"), { recursive: true, mode: 0o700 });
    await mkdir(join(staging, "uploads"), 0o700);
    await mkdir(join(staging, "data"), 0o700);
    await writeFile(join(staging, "bucket.json"), JSON.stringify({ created: Date.now() }), {
      flush: true,
      mode: 0o600,
    });
    try {
      await rename(staging, join(this.root, name));
    } catch (error) {
      await rm(staging, { recursive: true, force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "ENOTEMPTY" || code === "EEXIST") throw alreadyOwned(name);
      throw error;
    }
    await syncDirectory(this.root);
  }

  /** The open bucket, or NoSuchBucket. */
  async bucket(name: string): Promise<Bucket> {
    let opening = this.open.get(name);
    if (!opening) {
      opening = (async () => {
        const info = await this.readInfo(name);
        if (!info) throw s3Errors.noSuchBucket(name);
        const bucket = new Bucket(name, join(this.root, name), info.created);
        await bucket.prepare();
        return bucket;
      })();
      this.open.set(name, opening);
      opening.catch(() => this.open.delete(name));
    }
    return opening;
  }

  async delete(name: string): Promise<void> {
    const bucket = await this.bucket(name);
    if (!bucket.index.isEmpty()) throw bucketNotEmpty(name);
    this.open.delete(name);
    for (const key of [...this.documents.keys()]) if (key.startsWith(`${name}/`)) this.documents.delete(key);
    bucket.close();
    const trash = join(this.root, `.deleted-${randomUUID()}`);
    await rename(bucket.dir, trash);
    await rm(trash, { recursive: true, force: true });
  }

  async getDocument(name: string, document: BucketDocumentName): Promise<string | undefined> {
    const cacheKey = `${name}/${document}`;
    const cached = this.documents.get(cacheKey);
    if (cached !== undefined) return cached ?? undefined;
    let bucket: Bucket;
    try {
      bucket = await this.bucket(name);
    } catch {
      return undefined;
    }
    const text = await readBucketDocument(join(bucket.dir, `${document}.doc`));
    this.documents.set(cacheKey, text);
    return text ?? undefined;
  }

  /** Written to a temp file, synced and renamed, so a reader sees the old or the new document, never half. */
  async putDocument(name: string, document: BucketDocumentName, text: string | undefined): Promise<void> {
    const bucket = await this.bucket(name);
    const path = join(bucket.dir, `${document}.doc`);
    if (text === undefined) await unlink(path).catch(() => undefined);
    else {
      const temp = bucket.tempPath();
      await writeFile(temp, text, { flush: true, mode: 0o600 });
      await rename(temp, path);
    }
    await syncDirectory(bucket.dir);
    this.documents.set(`${name}/${document}`, text ?? null);
  }

  async close(): Promise<void> {
    for (const opening of this.open.values()) {
      const bucket = await opening.catch(() => undefined);
      bucket?.close();
    }
    this.open.clear();
    this.documents.clear();
  }
}
