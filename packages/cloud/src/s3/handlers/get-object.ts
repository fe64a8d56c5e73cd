import { open, type FileHandle } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { s3Errors } from "../../aws-error.ts";
import type { Bucket } from "../../storage/bucket.ts";
import type { ObjectRecord } from "../../storage/object-record.ts";
import { httpTime, param, requestHeader, type S3Context } from "../context.ts";
import { checkPreconditions, parseRange } from "../preconditions.ts";
import { checksumHeaders } from "../upload-headers.ts";

const OVERRIDES = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
] as const;

/** The current version and an open handle on its data; retries once if a concurrent PUT replaced it. */
export async function openObject(
  bucket: Bucket,
  key: string,
): Promise<{ record: ObjectRecord; file: FileHandle }> {
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

export function objectHeaders(record: ObjectRecord): Record<string, string> {
  const headers: Record<string, string> = {
    etag: record.etag,
    "last-modified": httpTime(record.lastModified),
    "content-type": record.contentType,
    "accept-ranges": "bytes",
    ...record.headers,
  };
  for (const [name, value] of Object.entries(record.userMetadata)) headers[`x-amz-meta-${name}`] = value;
  return headers;
}

export async function getObject(
  ctx: S3Context,
  bucketName: string,
  key: string,
  head: boolean,
): Promise<void> {
  const bucket = await ctx.storage.bucket(bucketName);
  const { record, file } = await openObject(bucket, key);
  try {
    const headers = objectHeaders(record);
    if (checkPreconditions((name) => requestHeader(ctx, name), record) === "not-modified") {
      ctx.res.writeHead(304, { etag: record.etag, "last-modified": headers["last-modified"]! });
      ctx.res.end();
      return;
    }
    const range = parseRange(requestHeader(ctx, "range"), record.size);
    if (!head)
      for (const [query, name] of OVERRIDES) {
        const value = param(ctx, query);
        if (value !== undefined) headers[name] = value;
      }
    if (!range && requestHeader(ctx, "x-amz-checksum-mode")?.toUpperCase() === "ENABLED")
      Object.assign(headers, checksumHeaders(record.checksum));
    const status = range ? 206 : 200;
    const length = range ? range.end - range.start + 1 : record.size;
    if (range) headers["content-range"] = `bytes ${range.start}-${range.end}/${record.size}`;
    ctx.res.writeHead(status, { ...headers, "content-length": length });
    if (head || length === 0) {
      ctx.res.end();
      return;
    }
    const stream = file.createReadStream({
      start: range?.start ?? 0,
      end: range?.end ?? record.size - 1,
      autoClose: false,
      highWaterMark: 256 * 1024,
    });
    await pipeline(stream, ctx.res).catch(() => ctx.res.destroy());
  } finally {
    await file.close();
  }
}
