import { AwsError } from "../../aws-error.ts";
import { uriEncode } from "../../sigv4/canonical.ts";
import type { ListedObject, ListPage } from "../../storage/object-index.ts";
import type { ObjectStorage } from "../../storage/object-storage.ts";
import { isoTime, OWNER, param, sendXml, sendXmlBody, type S3Context } from "../context.ts";
import { listPrefetch, type RenderedPage } from "../list-prefetch.ts";
import { el, s3Document, text } from "../xml.ts";

const MAX_KEYS = 1000;

function maxKeys(ctx: S3Context): number {
  const raw = param(ctx, "max-keys");
  if (raw === undefined) return MAX_KEYS;
  if (!/^\d+$/.test(raw))
    throw new AwsError("InvalidArgument", 400, "Provided max-keys not an integer or within integer range", {
      ArgumentName: "max-keys",
      ArgumentValue: raw,
    });
  return Math.min(Number(raw), MAX_KEYS);
}

/** `encoding-type=url`: botocore then unquote_plus-decodes the echoed fields, so `+` and `%` must be escaped. */
function encoder(ctx: S3Context): { type: string | undefined; encode: (value: string) => string } {
  const type = param(ctx, "encoding-type");
  if (type !== undefined && type !== "url")
    throw new AwsError("InvalidArgument", 400, "Invalid Encoding Method specified in Request", {
      ArgumentName: "encoding-type",
      ArgumentValue: type,
    });
  return { type, encode: type === "url" ? (v) => uriEncode(v, true) : (v) => v };
}

function contents(record: ListedObject, encode: (v: string) => string, owner: boolean): string {
  return el(
    "Contents",
    text("Key", encode(record.key)),
    text("LastModified", isoTime(record.lastModified)),
    text("ETag", record.etag),
    record.checksum ? text("ChecksumAlgorithm", record.checksum.algorithm.toUpperCase()) : "",
    record.checksum ? text("ChecksumType", record.checksum.type) : "",
    text("Size", record.size),
    owner ? el("Owner", text("ID", OWNER.id), text("DisplayName", OWNER.displayName)) : "",
    text("StorageClass", "STANDARD"),
  );
}

function commonPrefixes(page: ListPage, encode: (v: string) => string): string[] {
  return page.commonPrefixes.map((p) => el("CommonPrefixes", text("Prefix", encode(p))));
}

const TOKEN_VERSION = "1:";

export function continuationToken(after: string): string {
  return Buffer.from(TOKEN_VERSION + after, "utf8").toString("base64url");
}

function readToken(token: string): string {
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  if (token === "" || !decoded.startsWith(TOKEN_VERSION))
    throw new AwsError("InvalidArgument", 400, "The continuation token provided is incorrect", {
      ArgumentName: "continuation-token",
      ArgumentValue: token,
    });
  return decoded.slice(TOKEN_VERSION.length);
}

interface ListV2Request {
  bucket: string;
  prefix: string;
  delimiter: string;
  token: string | undefined;
  startAfter: string | undefined;
  limit: number;
  type: string | undefined;
  encode: (value: string) => string;
  fetchOwner: boolean;
}

/** Everything the response depends on besides the listing itself. */
function prefetchKey(request: ListV2Request): string {
  const { bucket, prefix, delimiter, token, startAfter, limit, type, fetchOwner } = request;
  return JSON.stringify([bucket, prefix, delimiter, token, startAfter, limit, type, fetchOwner]);
}

async function renderV2(storage: ObjectStorage, request: ListV2Request): Promise<RenderedPage> {
  const { bucket, prefix, delimiter, token, startAfter, limit, type, encode } = request;
  const after = token !== undefined ? readToken(token) : (startAfter ?? "");
  const page = await storage.listObjects(bucket, { prefix, delimiter, after, maxKeys: limit });
  const nextToken = page.isTruncated && page.last !== undefined ? continuationToken(page.last) : undefined;
  const document = s3Document(
    "ListBucketResult",
    text("Name", bucket),
    text("Prefix", encode(prefix)),
    delimiter === "" ? "" : text("Delimiter", encode(delimiter)),
    text("MaxKeys", limit),
    text("EncodingType", type),
    text("IsTruncated", page.isTruncated),
    text("ContinuationToken", token),
    text("NextContinuationToken", nextToken),
    text("KeyCount", page.contents.length + page.commonPrefixes.length),
    text("StartAfter", startAfter === undefined ? undefined : encode(startAfter)),
    ...page.contents.map((r) => contents(r, encode, request.fetchOwner)),
    ...commonPrefixes(page, encode),
  );
  return { body: Buffer.from(document, "utf8"), nextToken };
}

export async function listObjectsV2(ctx: S3Context, bucket: string): Promise<void> {
  const { type, encode } = encoder(ctx);
  const request: ListV2Request = {
    bucket,
    prefix: param(ctx, "prefix") ?? "",
    delimiter: param(ctx, "delimiter") ?? "",
    token: param(ctx, "continuation-token"),
    startAfter: param(ctx, "start-after"),
    limit: maxKeys(ctx),
    type,
    encode,
    fetchOwner: param(ctx, "fetch-owner") === "true",
  };
  if (request.token !== undefined) readToken(request.token);
  const version = await ctx.storage.listingVersion(bucket);
  const prefetch = listPrefetch(ctx.storage);
  const page =
    (version !== undefined ? prefetch.take(prefetchKey(request), version) : undefined) ??
    (await renderV2(ctx.storage, request));
  sendXmlBody(ctx, 200, page.body);
  if (version !== undefined && page.nextToken !== undefined) {
    const next = { ...request, token: page.nextToken };
    void prefetch.prefetch(ctx.storage, bucket, prefetchKey(next), () => renderV2(ctx.storage, next));
  }
}

export async function listObjectsV1(ctx: S3Context, bucketName: string): Promise<void> {
  const { type, encode } = encoder(ctx);
  const prefix = param(ctx, "prefix") ?? "";
  const delimiter = param(ctx, "delimiter") ?? "";
  const marker = param(ctx, "marker") ?? "";
  const limit = maxKeys(ctx);
  const page = await ctx.storage.listObjects(bucketName, {
    prefix,
    delimiter,
    after: marker,
    maxKeys: limit,
  });
  // S3 returns NextMarker only with a delimiter; without one, clients use the last Key.
  const nextMarker = page.isTruncated && delimiter !== "" ? page.last : undefined;
  sendXml(
    ctx,
    200,
    s3Document(
      "ListBucketResult",
      text("Name", bucketName),
      text("Prefix", encode(prefix)),
      text("Marker", encode(marker)),
      nextMarker === undefined ? "" : text("NextMarker", encode(nextMarker)),
      text("MaxKeys", limit),
      delimiter === "" ? "" : text("Delimiter", encode(delimiter)),
      text("EncodingType", type),
      text("IsTruncated", page.isTruncated),
      ...page.contents.map((r) => contents(r, encode, true)),
      ...commonPrefixes(page, encode),
    ),
  );
}
