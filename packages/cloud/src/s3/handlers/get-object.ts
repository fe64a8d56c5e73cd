import { pipeline } from "node:stream/promises";
import type { ObjectRecord } from "../../storage/object-record.ts";
import { httpTime, param, requestHeader, type S3Context } from "../context.ts";
import { checkPreconditions, parseRange } from "../preconditions.ts";
import { sendRange } from "../send-range.ts";
import { checksumHeaders } from "../upload-headers.ts";

const OVERRIDES = [
  ["response-content-type", "content-type"],
  ["response-content-language", "content-language"],
  ["response-expires", "expires"],
  ["response-cache-control", "cache-control"],
  ["response-content-disposition", "content-disposition"],
  ["response-content-encoding", "content-encoding"],
] as const;

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
  const object = await ctx.storage.openObject(bucketName, key);
  const { record } = object;
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
    const sent = object.readAt
      ? sendRange(ctx.res, object.readAt, range?.start ?? 0, length)
      : pipeline(object.read(range ? { start: range.start, end: range.end } : undefined), ctx.res);
    await sent.catch(() => ctx.res.destroy());
  } finally {
    await object.close();
  }
}
