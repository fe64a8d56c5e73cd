import { AwsError } from "../../aws-error.ts";
import { uriEncode } from "../../sigv4/canonical.ts";
import type { ListedObject, ListPage } from "../../storage/object-index.ts";
import { isoTime, OWNER, param, sendXml, type S3Context } from "../context.ts";
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

export async function listObjectsV2(ctx: S3Context, bucketName: string): Promise<void> {
  const { type, encode } = encoder(ctx);
  const prefix = param(ctx, "prefix") ?? "";
  const delimiter = param(ctx, "delimiter") ?? "";
  const token = param(ctx, "continuation-token");
  const startAfter = param(ctx, "start-after");
  const limit = maxKeys(ctx);
  const after = token !== undefined ? readToken(token) : (startAfter ?? "");
  const page = await ctx.storage.listObjects(bucketName, { prefix, delimiter, after, maxKeys: limit });
  const fetchOwner = param(ctx, "fetch-owner") === "true";
  sendXml(
    ctx,
    200,
    s3Document(
      "ListBucketResult",
      text("Name", bucketName),
      text("Prefix", encode(prefix)),
      delimiter === "" ? "" : text("Delimiter", encode(delimiter)),
      text("MaxKeys", limit),
      text("EncodingType", type),
      text("IsTruncated", page.isTruncated),
      text("ContinuationToken", token),
      page.isTruncated && page.last !== undefined
        ? text("NextContinuationToken", continuationToken(page.last))
        : "",
      text("KeyCount", page.contents.length + page.commonPrefixes.length),
      text("StartAfter", startAfter === undefined ? undefined : encode(startAfter)),
      ...page.contents.map((r) => contents(r, encode, fetchOwner)),
      ...commonPrefixes(page, encode),
    ),
  );
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
