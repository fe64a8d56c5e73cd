import { copyFile, link, open, type FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { s3Errors } from "../aws-error.ts";
import type { Bucket } from "./bucket.ts";
import { ingest } from "./ingest.ts";
import * as multipart from "./multipart.ts";
import type { PartInfo, UploadInfo } from "./multipart.ts";
import type { ListPage, ListQuery } from "./object-index.ts";
import type { ObjectMeta, ObjectRecord } from "./object-record.ts";
import type {
  BucketDocumentName,
  BucketInfo,
  CurrentVersion,
  IncomingPayload,
  ObjectStorage,
  OpenedObject,
} from "./object-storage.ts";
import { BucketDirectory } from "./storage.ts";

/** The current version and an open handle on its data; retries if a concurrent PUT replaced it meanwhile. */
async function openCurrent(bucket: Bucket, key: string): Promise<{ record: ObjectRecord; file: FileHandle }> {
  for (let attempt = 0; ; attempt++) {
    const record = bucket.get(key);
    if (!record) throw s3Errors.noSuchKey(key);
    try {
      return { record, file: await open(bucket.dataPath(record.file), "r") };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" || attempt >= 3) throw error;
    }
  }
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
    const { record, file } = await openCurrent(await this.buckets.bucket(bucketName), key);
    return {
      record,
      read: (range) =>
        file.createReadStream({
          start: range?.start ?? 0,
          end: range?.end ?? Math.max(0, record.size - 1),
          autoClose: false,
          highWaterMark: 1024 * 1024,
        }),
      close: () => file.close(),
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
    const value = payload.algorithm && ingested.checksums[payload.algorithm];
    return bucket.commit(temp, {
      key,
      size: ingested.size,
      etag: `"${ingested.md5.toString("hex")}"`,
      lastModified: Date.now(),
      ...meta,
      ...(payload.algorithm && value
        ? { checksum: { algorithm: payload.algorithm, value, type: "FULL_OBJECT" as const } }
        : {}),
    });
  }

  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    options: { meta?: ObjectMeta; check?: (record: ObjectRecord) => void },
  ): Promise<ObjectRecord> {
    const sourceBucket = await this.buckets.bucket(source.bucket);
    const targetBucket = await this.buckets.bucket(target.bucket);
    const { record, file } = await openCurrent(sourceBucket, source.key);
    const temp = targetBucket.tempPath();
    try {
      options.check?.(record);
      // Committed data files are immutable, so a hard link is a complete, durable copy.
      await link(sourceBucket.dataPath(record.file), temp).catch(() =>
        copyFile(sourceBucket.dataPath(record.file), temp),
      );
    } finally {
      await file.close();
    }
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
    });
  }

  async deleteObject(bucketName: string, key: string, ifCurrent?: CurrentVersion): Promise<boolean> {
    return (await this.buckets.bucket(bucketName)).delete(key, ifCurrent?.file);
  }

  async listObjects(bucketName: string, query: ListQuery): Promise<ListPage> {
    return (await this.buckets.bucket(bucketName)).index.list(query);
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
