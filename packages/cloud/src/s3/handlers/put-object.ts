import { AwsError } from "../../aws-error.ts";
import { ingest } from "../../storage/ingest.ts";
import { body, requestHeader, sendEmpty, type S3Context } from "../context.ts";
import {
  checkKey,
  checksumHeaders,
  MAX_PUT_SIZE,
  objectMetaFromHeaders,
  storedChecksum,
  uploadChecks,
} from "../upload-headers.ts";

export async function putObject(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  checkKey(key);
  const bucket = await ctx.storage.bucket(bucketName);
  const meta = objectMetaFromHeaders(ctx);
  const checks = uploadChecks(ctx);
  const declared = Number(
    requestHeader(ctx, "x-amz-decoded-content-length") ?? requestHeader(ctx, "content-length") ?? 0,
  );
  if (declared > MAX_PUT_SIZE)
    throw new AwsError("EntityTooLarge", 400, "Your proposed upload exceeds the maximum allowed size", {
      ProposedSize: String(declared),
      MaxSizeAllowed: String(MAX_PUT_SIZE),
    });
  const temp = bucket.tempPath();
  const ingested = await ingest(body(ctx), temp, checks.expectations);
  const checksum = storedChecksum(checks.algorithm, ingested.checksums);
  const record = await bucket.commit(temp, {
    key,
    size: ingested.size,
    etag: `"${ingested.md5.toString("hex")}"`,
    lastModified: Date.now(),
    ...meta,
    ...(checksum ? { checksum } : {}),
  });
  sendEmpty(ctx, 200, { etag: record.etag, ...checksumHeaders(checksum) });
}
