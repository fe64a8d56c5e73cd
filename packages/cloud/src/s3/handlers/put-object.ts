import { AwsError } from "../../aws-error.ts";
import { body, requestHeader, sendEmpty, type S3Context } from "../context.ts";
import {
  checkKey,
  checksumHeaders,
  MAX_PUT_SIZE,
  objectMetaFromHeaders,
  uploadChecks,
} from "../upload-headers.ts";

export async function putObject(ctx: S3Context, bucketName: string, key: string): Promise<void> {
  checkKey(key);
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
  const record = await ctx.storage.putObject(bucketName, key, meta, {
    body: body(ctx),
    expectations: checks.expectations,
    algorithm: checks.algorithm,
  });
  sendEmpty(ctx, 200, { etag: record.etag, ...checksumHeaders(record.checksum) });
}
