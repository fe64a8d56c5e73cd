import { copyFile, link, mkdir, open, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { s3Errors } from "../aws-error.ts";
import { syncDirectory, type Bucket } from "./bucket.ts";
import { ExtentReader, readRange, type ReadAt } from "./extent-reader.ts";
import { ingest } from "./ingest.ts";
import * as multipart from "./multipart.ts";
import type { PartInfo, UploadInfo } from "./multipart.ts";
import type { ListPage, ListQuery } from "./object-index.ts";
import { uploadedRecord, type ObjectMeta, type ObjectRecord } from "./object-record.ts";
import type {
  BucketDocumentName,
  BucketInfo,
  CurrentVersion,
  IncomingPayload,
  ObjectStorage,
  OpenedObject,
} from "./object-storage.ts";
import { BucketDirectory } from "./storage.ts";

/**
 * The current version, held so its data stays readable: a single data file is opened (unlinking an open file is
 * safe on POSIX); a multipart object's part files are acquired (removal waits for release). Retries if a
 * concurrent PUT replaced the version between the lookup and the open.
 */
async function openCurrent(
  bucket: Bucket,
  key: string,
): Promise<{ record: ObjectRecord; file?: FileHandle; release: () => Promise<void> }> {
  for (let attempt = 0; ; attempt++) {
    const record = bucket.get(key);
    if (!record) throw s3Errors.noSuchKey(key);
    if (record.extents) {
      // In the same tick as the lookup, so a concurrent replace cannot remove the parts in between.
      bucket.acquire(record.file);
      return { record, release: () => bucket.release(record.file) };
    }
    try {
      const file = await open(bucket.dataPath(record.file), "r");
      return { record, file, release: () => file.close() };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw error;
    }
  }
}

/** Committed data files are immutable, so a hard link is a complete, durable copy. */
async function linkOrCopy(from: string, to: string): Promise<void> {
  await link(from, to).catch(() => copyFile(from, to));
}

/** Puts a copy of the key's current data at `temp` (a file, or a directory of parts); returns its record. */
async function linkCurrent(
  bucket: Bucket,
  key: string,
  temp: string,
  check?: (record: ObjectRecord) => void,
): Promise<ObjectRecord> {
  const { record, release } = await openCurrent(bucket, key);
  const source = bucket.dataPath(record.file);
  try {
    check?.(record);
    if (record.extents) {
      await mkdir(temp, 0o700);
      for (const { file } of record.extents) await linkOrCopy(join(source, file), join(temp, file));
      await syncDirectory(temp);
    } else {
      await linkOrCopy(source, temp);
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  } finally {
    await release();
  }
  return record;
}

/**
 * Buckets on local disk under `<dataDir>/buckets/` (see Bucket for the layout): objects are written to a temp
 * file, fsynced, renamed into place and only then committed to the bucket's SQLite index.
 */
export class LocalStorage implements ObjectStorage {
  readonly kind = "local" as const;
  private readonly buckets: BucketDirectory;

  constructor(dataDir: string) {
    this.buckets = new BucketDirectory(join(dataDir, "buckets"));
  }

  init(): Promise<void> {
    return this.buckets.init();
  }

  close(): Promise<void> {
    return this.buckets.close();
  }

  listBuckets(): Promise<BucketInfo[]> {
    return this.buckets.list();
  }

  createBucket(name: string): Promise<void> {
    return this.buckets.create(name);
  }

  deleteBucket(name: string): Promise<void> {
    return this.buckets.delete(name);
  }

  async headBucket(name: string): Promise<BucketInfo> {
    const bucket = await this.buckets.bucket(name);
    return { name, created: bucket.created };
  }

  getBucketDocument(bucket: string, name: BucketDocumentName): Promise<string | undefined> {
    return this.buckets.getDocument(bucket, name);
  }

  putBucketDocument(bucket: string, name: BucketDocumentName, document: string | undefined): Promise<void> {
    return this.buckets.putDocument(bucket, name, document);
  }

  async headObject(bucketName: string, key: string): Promise<ObjectRecord | undefined> {
    return (await this.buckets.bucket(bucketName)).get(key);
  }

  async openObject(bucketName: string, key: string): Promise<OpenedObject> {
    const bucket = await this.buckets.bucket(bucketName);
    const { record, file, release } = await openCurrent(bucket, key);
    const extents = file ? undefined : new ExtentReader(bucket.dataPath(record.file), record.extents ?? []);
    const readAt: ReadAt =
      extents?.readAt ??
      (async (buffer, length, position) => (await file!.read(buffer, 0, length, position)).bytesRead);
    return {
      record,
      readAt,
      read: (range) => readRange(readAt, range?.start ?? 0, range?.end ?? record.size - 1),
      close: async () => {
        await extents?.close();
        await release();
      },
    };
  }

  async putObject(
    bucketName: string,
    key: string,
    meta: ObjectMeta,
    payload: IncomingPayload,
  ): Promise<ObjectRecord> {
    const bucket = await this.buckets.bucket(bucketName);
    const temp = bucket.tempPath();
    const ingested = await ingest(payload.body, temp, payload.expectations);
    return bucket.commit(temp, uploadedRecord(key, ingested, meta, payload.algorithm));
  }

  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    options: { meta?: ObjectMeta; check?: (record: ObjectRecord) => void },
  ): Promise<ObjectRecord> {
    const sourceBucket = await this.buckets.bucket(source.bucket);
    const targetBucket = await this.buckets.bucket(target.bucket);
    const temp = targetBucket.tempPath();
    const record = await linkCurrent(sourceBucket, source.key, temp, options.check);
    const meta = options.meta ?? {
      contentType: record.contentType,
      headers: record.headers,
      userMetadata: record.userMetadata,
    };
    return targetBucket.commit(temp, {
      key: target.key,
      size: record.size,
      etag: record.etag,
      lastModified: Date.now(),
      ...meta,
      ...(record.checksum ? { checksum: record.checksum } : {}),
      ...(record.extents ? { extents: record.extents } : {}),
    });
  }

  async deleteObject(bucketName: string, key: string, ifCurrent?: CurrentVersion): Promise<boolean> {
    return (await this.buckets.bucket(bucketName)).delete(key, ifCurrent?.file);
  }

  async listObjects(bucketName: string, query: ListQuery): Promise<ListPage> {
    return (await this.buckets.bucket(bucketName)).index.list(query);
  }

  async listingVersion(bucketName: string): Promise<string> {
    return (await this.buckets.bucket(bucketName)).index.version;
  }

  async createUpload(bucketName: string, info: Omit<UploadInfo, "uploadId">): Promise<UploadInfo> {
    return multipart.createUpload(await this.buckets.bucket(bucketName), info);
  }

  async getUpload(bucketName: string, uploadId: string, key?: string): Promise<UploadInfo> {
    return multipart.getUpload(await this.buckets.bucket(bucketName), uploadId, key);
  }

  async uploadPart(
    bucketName: string,
    upload: UploadInfo,
    partNumber: number,
    payload: IncomingPayload,
  ): Promise<PartInfo> {
    const bucket = await this.buckets.bucket(bucketName);
    const temp = bucket.tempPath();
    const ingested = await ingest(payload.body, temp, payload.expectations);
    const checksum = payload.algorithm ? ingested.checksums[payload.algorithm] : undefined;
    return multipart.commitPart(bucket, upload.uploadId, temp, {
      partNumber,
      size: ingested.size,
      etag: `"${ingested.md5.toString("hex")}"`,
      lastModified: Date.now(),
      ...(checksum ? { checksum } : {}),
    });
  }

  async listParts(bucketName: string, uploadId: string): Promise<PartInfo[]> {
    return multipart.listParts(await this.buckets.bucket(bucketName), uploadId);
  }

  async completeUpload(bucketName: string, upload: UploadInfo, parts: PartInfo[]): Promise<ObjectRecord> {
    return multipart.completeUpload(await this.buckets.bucket(bucketName), upload, parts);
  }

  async abortUpload(bucketName: string, uploadId: string): Promise<void> {
    return multipart.removeUpload(await this.buckets.bucket(bucketName), uploadId);
  }

  async listUploads(bucketName: string): Promise<UploadInfo[]> {
    return multipart.listUploads(await this.buckets.bucket(bucketName));
  }
}
