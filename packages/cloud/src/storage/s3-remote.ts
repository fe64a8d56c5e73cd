/**
 * Translation between the remote S3 service (through @aws-sdk/client-s3) and Fawkes's storage records:
 * errors back into the S3 errors our clients expect, and SDK outputs into ObjectRecords.
 */
import type { HeadObjectCommandOutput, _Object } from "@aws-sdk/client-s3";
import { AwsError, s3Errors } from "../aws-error.ts";
import { checksumAlgorithms, type ChecksumAlgorithm } from "../checksums/checksum.ts";
import type { ListedObject } from "./object-index.ts";
import type { ObjectMeta, ObjectRecord, StoredChecksum } from "./object-record.ts";

interface SdkError {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

/**
 * Maps a remote failure to the S3 error our client should see: missing bucket/key/upload name *our*
 * bucket; other S3 errors pass through with their code; anything else (network) is InternalError (503).
 */
export function remoteError(
  error: unknown,
  where: { bucket?: string; key?: string; uploadId?: string },
): Error {
  if (error instanceof AwsError) return error;
  const e = error as SdkError;
  const status = e.$metadata?.httpStatusCode;
  switch (e.name) {
    case "NoSuchBucket":
      return s3Errors.noSuchBucket(where.bucket ?? "");
    case "NoSuchKey":
      return s3Errors.noSuchKey(where.key ?? "");
    case "NoSuchUpload":
      return s3Errors.noSuchUpload(where.uploadId ?? "");
    case "NotFound":
      if (where.key !== undefined) return s3Errors.noSuchKey(where.key);
      return s3Errors.noSuchBucket(where.bucket ?? "");
  }
  if (status !== undefined && status < 500 && e.name)
    return new AwsError(e.name, status, e.message ?? e.name, {}, { cause: error });
  return new AwsError(
    "ServiceUnavailable",
    503,
    "The storage backend could not be reached. Please try again.",
    {},
    { cause: error },
  );
}

/** Runs one remote call, translating its failure. */
export async function remote<T>(
  where: { bucket?: string; key?: string; uploadId?: string },
  call: () => Promise<T>,
): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw remoteError(error, where);
  }
}

const sdkName = (a: ChecksumAlgorithm) => `Checksum${a.toUpperCase()}` as const;

/** The checksum an SDK output carries (HeadObject with ChecksumMode ENABLED, UploadPart, Complete). */
export function checksumFromOutput(output: Record<string, unknown>): StoredChecksum | undefined {
  for (const algorithm of checksumAlgorithms) {
    const value = output[sdkName(algorithm)];
    if (typeof value === "string" && value !== "") {
      const type =
        output.ChecksumType === "FULL_OBJECT" || !value.includes("-") ? "FULL_OBJECT" : "COMPOSITE";
      return { algorithm, value, type };
    }
  }
  return undefined;
}

/** `{ChecksumCRC32: value}` for a request, or nothing. */
export function checksumInput(
  algorithm: ChecksumAlgorithm | undefined,
  value: string | undefined,
): Record<string, string> {
  return algorithm && value ? { [sdkName(algorithm)]: value } : {};
}

/** The SDK input fields that carry an object's metadata. */
export function metaInput(meta: ObjectMeta): Record<string, unknown> {
  const h = meta.headers;
  const expires = h.expires === undefined ? undefined : new Date(h.expires);
  return {
    ContentType: meta.contentType,
    Metadata: meta.userMetadata,
    ...(h["cache-control"] ? { CacheControl: h["cache-control"] } : {}),
    ...(h["content-disposition"] ? { ContentDisposition: h["content-disposition"] } : {}),
    ...(h["content-encoding"] ? { ContentEncoding: h["content-encoding"] } : {}),
    ...(h["content-language"] ? { ContentLanguage: h["content-language"] } : {}),
    ...(expires && !Number.isNaN(expires.getTime()) ? { Expires: expires } : {}),
  };
}

export function recordFromHead(key: string, head: HeadObjectCommandOutput): ObjectRecord {
  const headers: Record<string, string> = {};
  if (head.CacheControl) headers["cache-control"] = head.CacheControl;
  if (head.ContentDisposition) headers["content-disposition"] = head.ContentDisposition;
  if (head.ContentEncoding) headers["content-encoding"] = head.ContentEncoding;
  if (head.ContentLanguage) headers["content-language"] = head.ContentLanguage;
  const expires = head.ExpiresString ?? head.Expires?.toUTCString();
  if (expires) headers.expires = expires;
  const checksum = checksumFromOutput(head as unknown as Record<string, unknown>);
  return {
    key,
    file: "",
    size: head.ContentLength ?? 0,
    etag: head.ETag ?? '""',
    lastModified: head.LastModified?.getTime() ?? 0,
    contentType: head.ContentType ?? "binary/octet-stream",
    headers,
    userMetadata: head.Metadata ?? {},
    ...(checksum ? { checksum } : {}),
  };
}

/** A listing entry; listings carry no content type or metadata (S3's ListObjects does not return them). */
export function recordFromListing(entry: _Object): ListedObject {
  const algorithm = entry.ChecksumAlgorithm?.[0]?.toLowerCase() as ChecksumAlgorithm | undefined;
  return {
    key: decodeListingValue(entry.Key ?? ""),
    file: "",
    size: entry.Size ?? 0,
    etag: entry.ETag ?? '""',
    lastModified: entry.LastModified?.getTime() ?? 0,
    ...(algorithm && checksumAlgorithms.includes(algorithm)
      ? {
          checksum: {
            algorithm,
            type: entry.ChecksumType === "FULL_OBJECT" ? ("FULL_OBJECT" as const) : ("COMPOSITE" as const),
          },
        }
      : {}),
  };
}

/** Listings are requested with encoding-type=url (keys may hold characters XML cannot carry). */
export function decodeListingValue(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, " "));
}
