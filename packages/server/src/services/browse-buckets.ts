/**
 * Read-only browsing of the cloud endpoint's buckets for the web UI. The server talks to its own S3 endpoint with
 * the official SDK (so the UI sees exactly what clients see, policies and all) under an internal access key made
 * once per server start. The SDK is imported on first use: a server nobody browses does not load it.
 */
import type { Readable } from "node:stream";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  ErrorCode,
  FawkesError,
  type BucketListDto,
  type ObjectDetailsDto,
  type ObjectListDto,
} from "@fawkes/protocol";
import { validBucketName } from "@fawkes/cloud";
import { ADMIN_POLICY } from "../cloud/access-keys.ts";
import { CLOUD_REGION, type CloudRuntime } from "../cloud/runtime.ts";

/** The internal key's name (listed with the other keys, so an operator can tell what it is). */
export const INTERNAL_UI_KEY_NAME = "fawkes-internal-ui";
const INTERNAL_KEY_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** A key this close to expiry is replaced before use (a server may run longer than a key lives). */
const RENEW_MARGIN_MS = 10 * 60 * 1000;
export const OBJECTS_PAGE_SIZE = 200;

interface Session {
  client: S3Client;
  sdk: typeof import("@aws-sdk/client-s3");
  expiresAt: number;
}

/** One session per running endpoint (tests start several servers in one process). */
const sessions = new WeakMap<CloudRuntime, Promise<Session>>();

async function openSession(cloud: CloudRuntime): Promise<Session> {
  const sdk = await import("@aws-sdk/client-s3");
  // Keys of earlier starts are useless (their secret was only ever in that process's memory): drop them.
  for (const key of await cloud.accessKeys.list())
    if (key.name === INTERNAL_UI_KEY_NAME) await cloud.accessKeys.delete(key.accessKeyId).catch(() => {});
  const expiresAt = Date.now() + INTERNAL_KEY_LIFETIME_MS;
  const { created } = await cloud.accessKeys.create({
    name: INTERNAL_UI_KEY_NAME,
    policy: ADMIN_POLICY,
    expiresAt,
  });
  const client = new sdk.S3Client({
    endpoint: cloud.url,
    region: CLOUD_REGION,
    forcePathStyle: true,
    credentials: { accessKeyId: created.accessKeyId, secretAccessKey: created.secretAccessKey },
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 1,
  });
  return { client, sdk, expiresAt };
}

async function session(cloud: CloudRuntime): Promise<Session> {
  const pending = sessions.get(cloud);
  if (pending) {
    const current = await pending;
    if (current.expiresAt - Date.now() > RENEW_MARGIN_MS) return current;
    // Another request already renews it.
    if (sessions.get(cloud) !== pending) return session(cloud);
  }
  const next = openSession(cloud);
  sessions.set(cloud, next);
  // A failed start is retried by the next request rather than remembered.
  next.catch(() => {
    if (sessions.get(cloud) === next) sessions.delete(cloud);
  });
  return next;
}

/**
 * S3 errors as Fawkes errors: a missing bucket or key is a 404, another refusal (an invalid bucket name, a key
 * too long) the request's fault (400), anything else the endpoint's fault (502).
 */
function translate(error: unknown, what: string): FawkesError {
  if (error instanceof FawkesError) return error;
  const failure = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = failure.$metadata?.httpStatusCode;
  if (status === 404 || failure.name === "NoSuchBucket" || failure.name === "NoSuchKey")
    return new FawkesError(ErrorCode.notFound, `no ${what}`, { cause: error });
  if (status !== undefined && status >= 400 && status < 500)
    return new FawkesError(
      ErrorCode.badRequest,
      `the cloud endpoint refused it: ${failure.name ?? "Error"}`,
      {
        cause: error,
      },
    );
  return new FawkesError(
    ErrorCode.badGateway,
    `the cloud endpoint failed: ${failure.name ?? "Error"}${status ? ` (HTTP ${status})` : ""}`,
    { cause: error },
  );
}

/** The SDK refuses an invalid bucket name itself, before any request: that is the caller's mistake too. */
function checkBucket(bucket: string): void {
  if (!validBucketName(bucket))
    throw new FawkesError(ErrorCode.badRequest, `${JSON.stringify(bucket)} is not a valid bucket name`);
}

async function call<T>(cloud: CloudRuntime, what: string, run: (s: Session) => Promise<T>): Promise<T> {
  try {
    return await run(await session(cloud));
  } catch (error) {
    throw translate(error, what);
  }
}

const stripQuotes = (etag: string | undefined): string => (etag ?? "").replace(/^"|"$/g, "");

export async function listBuckets(cloud: CloudRuntime): Promise<BucketListDto> {
  return call(cloud, "buckets", async ({ client, sdk }) => {
    const answer = await client.send(new sdk.ListBucketsCommand({}));
    return {
      buckets: (answer.Buckets ?? []).map((bucket) => ({
        name: bucket.Name ?? "",
        createdAt: bucket.CreationDate?.getTime() ?? 0,
      })),
    };
  });
}

export async function listObjects(
  cloud: CloudRuntime,
  bucket: string,
  prefix: string,
  continuation: string | undefined,
): Promise<ObjectListDto> {
  checkBucket(bucket);
  return call(cloud, `bucket ${bucket}`, async ({ client, sdk }) => {
    const answer = await client.send(
      new sdk.ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix === "" ? undefined : prefix,
        Delimiter: "/",
        MaxKeys: OBJECTS_PAGE_SIZE,
        ContinuationToken: continuation,
      }),
    );
    return {
      prefixes: (answer.CommonPrefixes ?? []).flatMap((entry) => (entry.Prefix ? [entry.Prefix] : [])),
      objects: (answer.Contents ?? []).map((object) => ({
        key: object.Key ?? "",
        size: object.Size ?? 0,
        lastModified: object.LastModified?.getTime() ?? 0,
        etag: stripQuotes(object.ETag),
      })),
      nextContinuation: answer.IsTruncated ? (answer.NextContinuationToken ?? null) : null,
    };
  });
}

export async function objectDetails(
  cloud: CloudRuntime,
  bucket: string,
  key: string,
): Promise<ObjectDetailsDto> {
  checkBucket(bucket);
  return call(cloud, `object ${key} in bucket ${bucket}`, async ({ client, sdk }) => {
    const head = await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return {
      key,
      size: head.ContentLength ?? 0,
      lastModified: head.LastModified?.getTime() ?? 0,
      etag: stripQuotes(head.ETag),
      contentType: head.ContentType ?? "application/octet-stream",
      metadata: head.Metadata ?? {},
    };
  });
}

export interface ObjectDownload {
  body: Readable;
  size: number | undefined;
  contentType: string;
}

/** Opens the object's bytes as a stream (nothing is buffered: objects may be gigabytes). */
export async function openObject(cloud: CloudRuntime, bucket: string, key: string): Promise<ObjectDownload> {
  checkBucket(bucket);
  return call(cloud, `object ${key} in bucket ${bucket}`, async ({ client, sdk }) => {
    const answer = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key }));
    return {
      body: answer.Body as Readable,
      size: answer.ContentLength,
      contentType: answer.ContentType ?? "application/octet-stream",
    };
  });
}

/** `attachment` with the key's last segment as file name, RFC 6266/5987-encoded so any character survives. */
export function attachmentDisposition(key: string): string {
  const name =
    key
      .split("/")
      .filter((part) => part !== "")
      .pop() ?? "download";
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(name).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
