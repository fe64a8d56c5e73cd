/**
 * One file moved, streaming so memory does not grow with its size: uploads through lib-storage's `Upload`
 * (multipart above 8 MiB, 4 parts in flight), downloads into a temp file beside the target that is renamed
 * into place only when complete, copies server-side with CopyObject.
 */
import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, utimes } from "node:fs/promises";
import { basename, dirname, extname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { CopyObjectCommand, GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";

export const PART_SIZE = 8 * 1024 * 1024;
export const PARTS_IN_FLIGHT = 4;

export type OnBytes = (count: number) => void;

export interface UploadRequest {
  file: string;
  bucket: string;
  key: string;
  contentType?: string;
}

export async function uploadFile(client: S3Client, request: UploadRequest, onBytes: OnBytes): Promise<void> {
  const contentType = request.contentType ?? guessContentType(request.file);
  const upload = new Upload({
    client,
    params: {
      Bucket: request.bucket,
      Key: request.key,
      Body: createReadStream(request.file),
      ...(contentType === undefined ? {} : { ContentType: contentType }),
    },
    partSize: PART_SIZE,
    queueSize: PARTS_IN_FLIGHT,
    leavePartsOnError: false,
  });
  let reported = 0;
  upload.on("httpUploadProgress", (progress) => {
    // `loaded` is cumulative and may run ahead per part; report only growth.
    const loaded = progress.loaded ?? 0;
    if (loaded > reported) {
      onBytes(loaded - reported);
      reported = loaded;
    }
  });
  await upload.done();
}

export interface DownloadRequest {
  bucket: string;
  key: string;
  file: string;
}

/** Downloads to `file` and sets its mtime to the object's LastModified (as awscli does, so sync can compare). */
export async function downloadObject(
  client: S3Client,
  request: DownloadRequest,
  onBytes: OnBytes,
): Promise<void> {
  const response = await client.send(new GetObjectCommand({ Bucket: request.bucket, Key: request.key }));
  const body = response.Body;
  if (!(body instanceof Readable)) throw new Error("the response has no readable body");
  await mkdir(dirname(request.file), { recursive: true });
  const temp = join(
    dirname(request.file),
    `.${basename(request.file)}.${randomBytes(4).toString("hex")}.part`,
  );
  let received = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      onBytes(chunk.length);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, counter, createWriteStream(temp, { mode: 0o644 }));
    if (response.ContentLength !== undefined && received !== response.ContentLength)
      throw new Error(`truncated download: ${received} of ${response.ContentLength} bytes`);
    if (response.LastModified !== undefined) await utimes(temp, response.LastModified, response.LastModified);
    await rename(temp, request.file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

export interface CopyRequest {
  sourceBucket: string;
  sourceKey: string;
  bucket: string;
  key: string;
  contentType?: string;
}

export async function copyObject(client: S3Client, request: CopyRequest): Promise<void> {
  await client.send(
    new CopyObjectCommand({
      Bucket: request.bucket,
      Key: request.key,
      CopySource: encodeURIComponent(`${request.sourceBucket}/${request.sourceKey}`).replace(/%2F/g, "/"),
      ...(request.contentType === undefined
        ? {}
        : { ContentType: request.contentType, MetadataDirective: "REPLACE" as const }),
    }),
  );
}

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html",
  ".htm": "text/html",
  ".css": "text/css",
  ".js": "text/javascript",
  ".mjs": "text/javascript",
  ".json": "application/json",
  ".txt": "text/plain",
  ".md": "text/markdown",
  ".csv": "text/csv",
  ".xml": "application/xml",
  ".yaml": "application/yaml",
  ".yml": "application/yaml",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/vnd.microsoft.icon",
  ".pdf": "application/pdf",
  ".zip": "application/zip",
  ".gz": "application/gzip",
  ".tgz": "application/gzip",
  ".tar": "application/x-tar",
  ".jar": "application/java-archive",
  ".wasm": "application/wasm",
};

/** The Content-Type awscli would guess from the extension; undefined leaves the server's default. */
export function guessContentType(file: string): string | undefined {
  return CONTENT_TYPES[extname(file).toLowerCase()];
}
