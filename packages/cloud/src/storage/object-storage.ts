import type { Readable } from "node:stream";
import type { ChecksumAlgorithm } from "../checksums/checksum.ts";
import type { DecodedBody } from "../sigv4/payload.ts";
import type { ReadAt } from "./extent-reader.ts";
import type { PayloadExpectations } from "./ingest.ts";
import type { PartInfo, UploadInfo } from "./multipart.ts";
import type { ListPage, ListQuery } from "./object-index.ts";
import type { ObjectMeta, ObjectRecord } from "./object-record.ts";

/** Identifies one stored version of a key (local: its data file; S3: its ETag and time). */
export type CurrentVersion = Pick<ObjectRecord, "file" | "etag" | "lastModified">;

export interface BucketInfo {
  name: string;
  created: number;
}

/** Per-bucket configuration documents kept beside the objects (never listed as objects). */
export type BucketDocumentName = "policy" | "lifecycle";

/** A request body to store, with what to verify about it and which checksum to keep. */
export interface IncomingPayload {
  body: DecodedBody;
  expectations: PayloadExpectations;
  /** The checksum algorithm whose value is stored with the object or part (and returned on GET). */
  algorithm: ChecksumAlgorithm | undefined;
}

/** An object opened for reading: the record is the version whose bytes `read` returns. */
export interface OpenedObject {
  record: ObjectRecord;
  /** The bytes (inclusive range), read from the version described by `record`. */
  read(range?: { start: number; end: number }): Readable;
  /**
   * Positional reads of the same bytes, where the storage has them (local disk): a response can then reuse
   * its buffers instead of getting a new one per chunk from a stream.
   */
  readAt?: ReadAt;
  close(): Promise<void>;
}

/**
 * Where buckets and objects live. The S3 handlers only talk to this interface; `LocalStorage` (the default,
 * under the data directory) and `S3Storage` (any S3-compatible service) implement it. Every method throws
 * AwsError (NoSuchBucket, NoSuchKey, NoSuchUpload…) for the S3 outcomes clients expect.
 *
 * Contract shared by both: an object becomes visible only once completely stored and every payload check has
 * passed (a failed check stores nothing); concurrent writers to one key end with one complete version.
 */
export interface ObjectStorage {
  readonly kind: "local" | "s3";
  init(): Promise<void>;
  close(): Promise<void>;

  listBuckets(): Promise<BucketInfo[]>;
  createBucket(name: string): Promise<void>;
  /** BucketNotEmpty when it still holds objects. */
  deleteBucket(name: string): Promise<void>;
  /** NoSuchBucket when missing. */
  headBucket(name: string): Promise<BucketInfo>;
  /** A bucket's policy or lifecycle document as stored, or undefined (also when the bucket is missing). */
  getBucketDocument(bucket: string, name: BucketDocumentName): Promise<string | undefined>;
  /** Stores (or with `undefined` removes) a bucket document; NoSuchBucket when missing. */
  putBucketDocument(bucket: string, name: BucketDocumentName, document: string | undefined): Promise<void>;

  headObject(bucket: string, key: string): Promise<ObjectRecord | undefined>;
  /** NoSuchKey when missing. */
  openObject(bucket: string, key: string): Promise<OpenedObject>;
  putObject(bucket: string, key: string, meta: ObjectMeta, payload: IncomingPayload): Promise<ObjectRecord>;
  /**
   * Copies the source's current version; `check` sees the source record first (preconditions) and may throw.
   * `meta` replaces the source's metadata (x-amz-metadata-directive: REPLACE).
   */
  copyObject(
    source: { bucket: string; key: string },
    target: { bucket: string; key: string },
    options: { meta?: ObjectMeta; check?: (record: ObjectRecord) => void },
  ): Promise<ObjectRecord>;
  /**
   * Removes the key; true when something was removed. With `ifCurrent`, removes it only while that record is
   * still the current version (lifecycle expiry must never remove a newer upload).
   */
  deleteObject(bucket: string, key: string, ifCurrent?: CurrentVersion): Promise<boolean>;
  listObjects(bucket: string, query: ListQuery): Promise<ListPage>;
  /**
   * A value that changes whenever the bucket's listing could change (NoSuchBucket when missing), or undefined
   * when the backend cannot tell: then no listing may be computed ahead of its request.
   */
  listingVersion(bucket: string): Promise<string | undefined>;

  createUpload(bucket: string, info: Omit<UploadInfo, "uploadId">): Promise<UploadInfo>;
  /** NoSuchUpload when missing or (with `key`) for another key. */
  getUpload(bucket: string, uploadId: string, key?: string): Promise<UploadInfo>;
  uploadPart(
    bucket: string,
    upload: UploadInfo,
    partNumber: number,
    payload: IncomingPayload,
  ): Promise<PartInfo>;
  listParts(bucket: string, uploadId: string): Promise<PartInfo[]>;
  /** Joins the chosen parts (already validated: order, ETags, sizes) into the object. */
  completeUpload(bucket: string, upload: UploadInfo, parts: PartInfo[]): Promise<ObjectRecord>;
  abortUpload(bucket: string, uploadId: string): Promise<void>;
  listUploads(bucket: string): Promise<UploadInfo[]>;
}
