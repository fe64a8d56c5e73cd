import type { ChecksumAlgorithm } from "../checksums/checksum.ts";
import type { Ingested } from "./ingest.ts";

/** A stored checksum as S3 reports it: FULL_OBJECT for a single PUT, COMPOSITE (`…-N`) for multipart. */
export interface StoredChecksum {
  algorithm: ChecksumAlgorithm;
  value: string;
  type: "FULL_OBJECT" | "COMPOSITE";
}

/** Everything S3 returns about an object besides its bytes. */
export interface ObjectMeta {
  contentType: string;
  /** cache-control, content-disposition, content-encoding, content-language, expires — as sent. */
  headers: Record<string, string>;
  /** x-amz-meta-* names (lower-cased, without the prefix) → values. */
  userMetadata: Record<string, string>;
  checksum?: StoredChecksum;
}

/**
 * The record of an object uploaded in one piece, less its data file: S3's ETag (the MD5) and, as its stored
 * checksum, the one its client sent, if any.
 */
export function uploadedRecord(
  key: string,
  ingested: Pick<Ingested, "size" | "md5" | "checksums">,
  meta: ObjectMeta,
  algorithm: ChecksumAlgorithm | undefined,
): Omit<ObjectRecord, "file"> {
  const value = algorithm && ingested.checksums[algorithm];
  return {
    key,
    size: ingested.size,
    etag: `"${ingested.md5.toString("hex")}"`,
    lastModified: Date.now(),
    ...meta,
    ...(algorithm && value ? { checksum: { algorithm, value, type: "FULL_OBJECT" as const } } : {}),
  };
}

/** One piece of a multipart object's data on local disk: a part file and its length. */
export interface Extent {
  file: string;
  size: number;
}

/** One committed object version as recorded in the bucket index. */
export interface ObjectRecord extends ObjectMeta {
  key: string;
  /** Data file name under the bucket's data directory; never derived from the key. */
  file: string;
  size: number;
  /** Quoted ETag exactly as returned on the wire. */
  etag: string;
  lastModified: number;
  /**
   * Local storage only: the object's bytes are these files of its data directory, in order (a completed
   * multipart upload keeps its parts rather than copying them into one file).
   */
  extents?: Extent[];
}

/** The standard headers S3 stores with an object and returns on GET/HEAD. */
export const storedHeaders = [
  "cache-control",
  "content-disposition",
  "content-encoding",
  "content-language",
  "expires",
] as const;
