import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { PassThrough, type Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type ChecksumAlgorithm as SdkChecksumAlgorithm,
} from "@aws-sdk/client-s3";
import { s3Errors } from "../aws-error.ts";
import { ingest, type Ingested } from "./ingest.ts";
import type { PartInfo, UploadInfo } from "./multipart.ts";
import { compareUtf8, type ListPage, type ListQuery } from "./object-index.ts";
import { uploadedRecord, type ObjectMeta, type ObjectRecord } from "./object-record.ts";
import type {
  BucketDocumentName,
  BucketInfo,
  CurrentVersion,
  IncomingPayload,
  ObjectStorage,
  OpenedObject,
} from "./object-storage.ts";
import {
  checksumFromOutput,
  checksumInput,
  decodeListingValue,
  metaInput,
  recordFromHead,
  recordFromListing,
  remote,
  remoteError,
} from "./s3-remote.ts";
import { alreadyOwned, checkBucketName, readBucketDocument, validBucketName } from "./storage.ts";

export interface S3StorageOptions {
  /** The service's endpoint, e.g. `https://s3.eu-west-1.amazonaws.com` or another Fawkes's `http://127.0.0.1:8154`. */
  endpoint: string;
  region: string;
  /** Prepended to every bucket name on the remote side (`fawkes-` → bucket `builds` is `fawkes-builds`). @default "" */
  bucketPrefix?: string;
  credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Path-style addressing (needed for IP endpoints and most self-hosted services). @default true */
  forcePathStyle?: boolean;
}

/**
 * Objects in an S3-compatible service. Request bodies are first spooled to `<dataDir>/s3-spool/` and fully
 * verified (signature, Content-MD5, checksums) before anything is sent, so a failed check stores nothing
 * remotely; the upload then carries Content-MD5 (and the checksum) so the remote verifies the bytes again.
 * Bucket policies, lifecycle rules and in-progress upload descriptions stay in `<dataDir>/s3-backend/`.
 */
export class S3Storage implements ObjectStorage {
  readonly kind = "s3" as const;
  private readonly client: S3Client;
  private readonly prefix: string;
  private readonly spoolDir: string;
  private readonly stateDir: string;
  private readonly documents = new Map<string, string | null>();

  constructor(dataDir: string, options: S3StorageOptions) {
    this.prefix = options.bucketPrefix ?? "";
    this.spoolDir = join(dataDir, "s3-spool");
    this.stateDir = join(dataDir, "s3-backend");
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region,
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? true,
      // We send Content-MD5 and the client's own checksum; no second checksum, no aws-chunked framing.
      requestChecksumCalculation: "WHEN_REQUIRED",
      responseChecksumValidation: "WHEN_REQUIRED",
    });
  }

  private remoteName(bucket: string): string {
    return this.prefix + bucket;
  }

  async init(): Promise<void> {
    await rm(this.spoolDir, { recursive: true, force: true });
    await mkdir(this.spoolDir, { recursive: true, mode: 0o700 });
    await mkdir(join(this.stateDir, "uploads"), { recursive: true, mode: 0o700 });
    await mkdir(join(this.stateDir, "buckets"), { recursive: true, mode: 0o700 });
  }

  async close(): Promise<void> {
    this.client.destroy();
  }

  async listBuckets(): Promise<BucketInfo[]> {
    const out = await remote({}, () => this.client.send(new ListBucketsCommand({})));
    return (out.Buckets ?? [])
      .filter((b) => b.Name?.startsWith(this.prefix))
      .map((b) => ({ name: b.Name!.slice(this.prefix.length), created: b.CreationDate?.getTime() ?? 0 }))
      .filter((b) => validBucketName(b.name))
      .sort((a, b) => compareUtf8(a.name, b.name));
  }

  async createBucket(name: string): Promise<void> {
    checkBucketName(name);
    try {
      await remote({ bucket: name }, () =>
        this.client.send(new CreateBucketCommand({ Bucket: this.remoteName(name) })),
      );
    } catch (error) {
      if ((error as { code?: string }).code === "BucketAlreadyOwnedByYou") throw alreadyOwned(name);
      throw error;
    }
  }

  async deleteBucket(name: string): Promise<void> {
    await remote({ bucket: name }, () =>
      this.client.send(new DeleteBucketCommand({ Bucket: this.remoteName(name) })),
    );
    await rm(this.documentDir(name), { recursive: true, force: true });
    for (const key of [...this.documents.keys()]) if (key.startsWith(`${name}/`)) this.documents.delete(key);
  }

  async headBucket(name: string): Promise<BucketInfo> {
    await remote({ bucket: name }, () =>
      this.client.send(new HeadBucketCommand({ Bucket: this.remoteName(name) })),
    );
    return { name, created: 0 };
  }

  private documentDir(bucket: string): string {
    return join(this.stateDir, "buckets", bucket);
  }

  async getBucketDocument(bucket: string, name: BucketDocumentName): Promise<string | undefined> {
    const cached = this.documents.get(`${bucket}/${name}`);
    if (cached !== undefined) return cached ?? undefined;
    if (!validBucketName(bucket)) return undefined;
    const text = await readBucketDocument(join(this.documentDir(bucket), `${name}.doc`));
    this.documents.set(`${bucket}/${name}`, text);
    return text ?? undefined;
  }

  async putBucketDocument(bucket: string, name: BucketDocumentName, text: string | undefined): Promise<void> {
    await this.headBucket(bucket);
    const dir = this.documentDir(bucket);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${name}.doc`);
    if (text === undefined) await rm(path, { force: true });
    else await writeAtomically(path, text);
    this.documents.set(`${bucket}/${name}`, text ?? null);
  }

  async headObject(bucket: string, key: string): Promise<ObjectRecord | undefined> {
    try {
      return await this.head(bucket, key);
    } catch (error) {
      if ((error as { code?: string }).code === "NoSuchKey") return undefined;
      throw error;
    }
  }

  private async head(bucket: string, key: string): Promise<ObjectRecord> {
    try {
      const out = await this.client.send(
        new HeadObjectCommand({ Bucket: this.remoteName(bucket), Key: key, ChecksumMode: "ENABLED" }),
      );
      return recordFromHead(key, out);
    } catch (error) {
      // A HEAD miss has no body, so "no such key" and "no such bucket" look alike: ask about the bucket.
      const mapped = remoteError(error, { bucket, key });
      if ((mapped as { code?: string }).code === "NoSuchKey") await this.headBucket(bucket);
      throw mapped;
    }
  }

  async openObject(bucket: string, key: string): Promise<OpenedObject> {
    const record = await this.head(bucket, key);
    return {
      record,
      read: (range) => {
        const out = new PassThrough({ highWaterMark: 1024 * 1024 });
        // If-Match pins the bytes to the version the headers describe; a replaced object fails the stream.
        this.client
          .send(
            new GetObjectCommand({
              Bucket: this.remoteName(bucket),
              Key: key,
              IfMatch: record.etag,
              ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}),
            }),
          )
          .then((got) => pipeline(got.Body as Readable, out))
          .catch((error: unknown) => out.destroy(error as Error));
        return out;
      },
      close: async () => undefined,
    };
  }

  /** Verifies the body into a spool file; `send` uploads it; the spool file is always removed. */
  private async spooled<T>(
    payload: IncomingPayload,
    send: (file: string, ingested: Ingested) => Promise<T>,
  ): Promise<T> {
    const file = join(this.spoolDir, randomUUID());
    const ingested = await ingest(payload.body, file, payload.expectations);
    try {
      return await send(file, ingested);
    } finally {
      await rm(file, { force: true });
    }
  }

  async putObject(
    bucket: string,
    key: string,
    meta: ObjectMeta,
    payload: IncomingPayload,
  ): Promise<ObjectRecord> {
    return this.spooled(payload, async (file, ingested) => {
      const value = payload.algorithm && ingested.checksums[payload.algorithm];
      const out = await remote({ bucket, key }, () =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.remoteName(bucket),
            Key: key,
            Body: createReadStream(file),
            ContentLength: ingested.size,
            ContentMD5: ingested.md5.toString("base64"),
            ...metaInput(meta),
            ...checksumInput(payload.algorithm, value),
          }),
        ),
      );
      const record = uploadedRecord(key, ingested, meta, payload.algorithm);
      return { ...record, file: "", etag: out.ETag ?? record.etag };
    });
  }

  async copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    options: { meta?: ObjectMeta; check?: (record: ObjectRecord) => void },
  ): Promise<ObjectRecord> {
    const record = await this.head(source.bucket, source.key);
    options.check?.(record);
    const encodedKey = encodeURIComponent(source.key).replace(/%2F/g, "/");
    const out = await remote(target, () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.remoteName(target.bucket),
          Key: target.key,
          CopySource: `${this.remoteName(source.bucket)}/${encodedKey}`,
          CopySourceIfMatch: record.etag,
          ...(options.meta ? { MetadataDirective: "REPLACE", ...metaInput(options.meta) } : {}),
        }),
      ),
    );
    const meta = options.meta ?? record;
    return {
      ...record,
      key: target.key,
      etag: out.CopyObjectResult?.ETag ?? record.etag,
      lastModified: out.CopyObjectResult?.LastModified?.getTime() ?? Date.now(),
      contentType: meta.contentType,
      headers: meta.headers,
      userMetadata: meta.userMetadata,
    };
  }

  /** `ifCurrent` is checked with a HEAD just before the DELETE: close to, but not, an atomic compare-and-delete. */
  async deleteObject(bucket: string, key: string, ifCurrent?: CurrentVersion): Promise<boolean> {
    if (ifCurrent) {
      const now = await this.headObject(bucket, key);
      if (
        !now ||
        now.etag !== ifCurrent.etag ||
        // HEAD's Last-Modified has whole seconds; listings have milliseconds.
        Math.floor(now.lastModified / 1000) !== Math.floor(ifCurrent.lastModified / 1000)
      )
        return false;
    }
    await remote({ bucket, key }, () =>
      this.client.send(new DeleteObjectCommand({ Bucket: this.remoteName(bucket), Key: key })),
    );
    return true;
  }

  /** Other clients of the remote service change it too: its listings are never computed ahead. */
  listingVersion(): Promise<undefined> {
    return Promise.resolve(undefined);
  }

  async listObjects(bucket: string, query: ListQuery): Promise<ListPage> {
    const { prefix, delimiter, after } = query;
    // A marker that is a common prefix must skip every key under it, not resume inside it.
    const isCommonPrefix =
      delimiter !== "" &&
      after.length > prefix.length &&
      after.startsWith(prefix) &&
      after.indexOf(delimiter, prefix.length) === after.length - delimiter.length;
    const startAfter = isCommonPrefix ? `${after}\u{10ffff}` : after;
    const out = await remote({ bucket }, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.remoteName(bucket),
          Prefix: prefix,
          MaxKeys: query.maxKeys,
          EncodingType: "url",
          ...(delimiter ? { Delimiter: delimiter } : {}),
          ...(startAfter ? { StartAfter: startAfter } : {}),
        }),
      ),
    );
    const contents = (out.Contents ?? []).map(recordFromListing);
    const commonPrefixes = (out.CommonPrefixes ?? []).map((p) => decodeListingValue(p.Prefix ?? ""));
    const candidates = [contents.at(-1)?.key, commonPrefixes.at(-1)].filter(
      (v): v is string => v !== undefined,
    );
    const last = candidates.sort(compareUtf8).at(-1);
    return { contents, commonPrefixes, isTruncated: out.IsTruncated === true, last };
  }

  private uploadFile(bucket: string, uploadId: string): string {
    return join(
      this.stateDir,
      "uploads",
      createHash("sha256").update(`${bucket}\n${uploadId}`).digest("hex"),
    );
  }

  async createUpload(bucket: string, info: Omit<UploadInfo, "uploadId">): Promise<UploadInfo> {
    const out = await remote({ bucket, key: info.key }, () =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.remoteName(bucket),
          Key: info.key,
          ...metaInput(info.meta),
          ...(info.checksumAlgorithm
            ? { ChecksumAlgorithm: info.checksumAlgorithm.toUpperCase() as SdkChecksumAlgorithm }
            : {}),
          ...(info.checksumType ? { ChecksumType: info.checksumType } : {}),
        }),
      ),
    );
    const upload: UploadInfo = { ...info, uploadId: out.UploadId! };
    await writeAtomically(this.uploadFile(bucket, upload.uploadId), JSON.stringify(upload));
    return upload;
  }

  async getUpload(bucket: string, uploadId: string, key?: string): Promise<UploadInfo> {
    const text = await readFile(this.uploadFile(bucket, uploadId), "utf8").catch(() => undefined);
    const upload = text === undefined ? undefined : (JSON.parse(text) as UploadInfo);
    if (!upload || (key !== undefined && upload.key !== key)) throw s3Errors.noSuchUpload(uploadId);
    return upload;
  }

  async uploadPart(
    bucket: string,
    upload: UploadInfo,
    partNumber: number,
    payload: IncomingPayload,
  ): Promise<PartInfo> {
    const where = { bucket, key: upload.key, uploadId: upload.uploadId };
    return this.spooled(payload, async (file, ingested) => {
      const value = payload.algorithm && ingested.checksums[payload.algorithm];
      const out = await remote(where, () =>
        this.client.send(
          new UploadPartCommand({
            Bucket: this.remoteName(bucket),
            Key: upload.key,
            UploadId: upload.uploadId,
            PartNumber: partNumber,
            Body: createReadStream(file),
            ContentLength: ingested.size,
            ContentMD5: ingested.md5.toString("base64"),
            ...checksumInput(payload.algorithm, value),
          }),
        ),
      );
      return {
        partNumber,
        file: "",
        size: ingested.size,
        etag: out.ETag ?? `"${ingested.md5.toString("hex")}"`,
        lastModified: Date.now(),
        ...(value ? { checksum: value } : {}),
      };
    });
  }

  async listParts(bucket: string, uploadId: string): Promise<PartInfo[]> {
    const upload = await this.getUpload(bucket, uploadId);
    const algorithm = upload.checksumAlgorithm;
    const parts: PartInfo[] = [];
    let marker: string | undefined;
    for (;;) {
      const out = await remote({ bucket, key: upload.key, uploadId }, () =>
        this.client.send(
          new ListPartsCommand({
            Bucket: this.remoteName(bucket),
            Key: upload.key,
            UploadId: uploadId,
            ...(marker ? { PartNumberMarker: marker } : {}),
          }),
        ),
      );
      for (const p of out.Parts ?? []) {
        const checksum = algorithm
          ? (p as Record<string, unknown>)[`Checksum${algorithm.toUpperCase()}`]
          : undefined;
        parts.push({
          partNumber: p.PartNumber ?? 0,
          file: "",
          size: p.Size ?? 0,
          etag: p.ETag ?? '""',
          lastModified: p.LastModified?.getTime() ?? 0,
          ...(typeof checksum === "string" ? { checksum } : {}),
        });
      }
      if (!out.IsTruncated || out.NextPartNumberMarker === undefined) return parts;
      marker = out.NextPartNumberMarker;
    }
  }

  async completeUpload(bucket: string, upload: UploadInfo, parts: PartInfo[]): Promise<ObjectRecord> {
    const where = { bucket, key: upload.key, uploadId: upload.uploadId };
    const out = await remote(where, () =>
      this.client.send(
        new CompleteMultipartUploadCommand({
          Bucket: this.remoteName(bucket),
          Key: upload.key,
          UploadId: upload.uploadId,
          MultipartUpload: {
            Parts: parts.map((p) => ({
              PartNumber: p.partNumber,
              ETag: p.etag,
              ...checksumInput(upload.checksumAlgorithm, p.checksum),
            })),
          },
        }),
      ),
    );
    await rm(this.uploadFile(bucket, upload.uploadId), { force: true });
    const checksum = checksumFromOutput(out as unknown as Record<string, unknown>);
    return {
      key: upload.key,
      file: "",
      size: parts.reduce((sum, p) => sum + p.size, 0),
      etag: out.ETag ?? '""',
      lastModified: Date.now(),
      ...upload.meta,
      ...(checksum ? { checksum } : {}),
    };
  }

  async abortUpload(bucket: string, uploadId: string): Promise<void> {
    const upload = await this.getUpload(bucket, uploadId);
    await remote({ bucket, key: upload.key, uploadId }, () =>
      this.client.send(
        new AbortMultipartUploadCommand({
          Bucket: this.remoteName(bucket),
          Key: upload.key,
          UploadId: uploadId,
        }),
      ),
    );
    await rm(this.uploadFile(bucket, uploadId), { force: true });
  }

  async listUploads(bucket: string): Promise<UploadInfo[]> {
    const uploads: UploadInfo[] = [];
    let keyMarker: string | undefined;
    let idMarker: string | undefined;
    for (;;) {
      const out = await remote({ bucket }, () =>
        this.client.send(
          new ListMultipartUploadsCommand({
            Bucket: this.remoteName(bucket),
            ...(keyMarker ? { KeyMarker: keyMarker } : {}),
            ...(idMarker ? { UploadIdMarker: idMarker } : {}),
          }),
        ),
      );
      for (const u of out.Uploads ?? [])
        uploads.push({
          uploadId: u.UploadId ?? "",
          key: u.Key ?? "",
          initiated: u.Initiated?.getTime() ?? 0,
          meta: { contentType: "binary/octet-stream", headers: {}, userMetadata: {} },
        });
      if (!out.IsTruncated) return uploads;
      keyMarker = out.NextKeyMarker;
      idMarker = out.NextUploadIdMarker;
    }
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  const temp = `${path}.${randomUUID()}.tmp`;
  await writeFile(temp, text, { flush: true, mode: 0o600 });
  await rename(temp, path);
}
