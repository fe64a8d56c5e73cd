import type { IncomingMessage, ServerResponse } from "node:http";
import { AwsError } from "../aws-error.ts";
import type { AccessKey } from "../credentials.ts";
import type { Policy } from "../iam/index.ts";
import { header, type AuthContext } from "../sigv4/authenticate.ts";
import type { QueryParam } from "../sigv4/canonical.ts";
import { decodeBody, type DecodedBody } from "../sigv4/payload.ts";
import type { ObjectStorage } from "../storage/object-storage.ts";

/** Asks whether the signed-in principal may perform an S3 operation (IAM evaluation lives behind this). */
export type Authorize = (request: AuthorizeRequest) => boolean | Promise<boolean>;

export interface AuthorizeRequest {
  accessKey: AccessKey;
  /** S3 API operation name, e.g. `GetObject`, `ListObjectsV2`. */
  operation: string;
  bucket?: string;
  key?: string;
  sourceIp: string;
  secureTransport: boolean;
  /** Request parameters usable as condition keys (`prefix`, `delimiter`, `max-keys`). */
  query: Record<string, string>;
  /** The bucket's policy (PutBucketPolicy), evaluated as the resource policy; absent when it has none. */
  bucketPolicy?: Policy;
}

/** One S3 request after routing and authentication. */
export interface S3Context {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly headers: Map<string, string[]>;
  readonly query: readonly QueryParam[];
  readonly bucket: string | undefined;
  readonly key: string | undefined;
  readonly auth: AuthContext;
  readonly storage: ObjectStorage;
  readonly region: string;
  readonly authorize: (operation: string, bucket?: string, key?: string) => Promise<void>;
}

export function param(ctx: Pick<S3Context, "query">, name: string): string | undefined {
  return ctx.query.find((p) => p.name === name)?.value;
}

export function hasParam(ctx: Pick<S3Context, "query">, name: string): boolean {
  return ctx.query.some((p) => p.name === name);
}

export function requestHeader(ctx: Pick<S3Context, "headers">, name: string): string | undefined {
  return header(ctx.headers, name);
}

export function body(ctx: S3Context): DecodedBody {
  return decodeBody(ctx.req, ctx.headers, ctx.auth);
}

/** Reads a small (XML) request body fully, capped so a client cannot make us buffer much. */
export async function readSmallBody(ctx: S3Context, limit = 2 * 1024 * 1024): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body(ctx).chunks) {
    size += chunk.length;
    if (size > limit) throw new AwsError("MaxMessageLengthExceeded", 400, "Your request was too big.");
    parts.push(chunk);
  }
  return Buffer.concat(parts).toString("utf8");
}

export function sendXml(
  ctx: S3Context,
  status: number,
  document: string,
  headers: Record<string, string> = {},
): void {
  sendXmlBody(ctx, status, Buffer.from(document, "utf8"), headers);
}

export function sendXmlBody(
  ctx: S3Context,
  status: number,
  payload: Buffer,
  headers: Record<string, string> = {},
): void {
  ctx.res.writeHead(status, {
    ...headers,
    "content-type": "application/xml",
    "content-length": payload.length,
  });
  ctx.res.end(payload);
}

export function sendEmpty(
  ctx: S3Context,
  status: number,
  headers: Record<string, string | number> = {},
): void {
  ctx.res.writeHead(status, { ...headers, "content-length": 0 });
  ctx.res.end();
}

/** The fixed owner every bucket and object reports: one local account. */
export const OWNER = {
  id: "75aa57f09aa0c8caeab4f8c24e99d10f8e7faeebf76c078efc7c6caea54ba06a",
  displayName: "fawkes",
};

/** S3's ISO 8601 timestamps, always with milliseconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString();
}

/** RFC 1123 for Last-Modified headers. */
export function httpTime(ms: number): string {
  return new Date(ms).toUTCString();
}
