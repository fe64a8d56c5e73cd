import { AwsError } from "../../aws-error.ts";
import { readSmallBody, sendEmpty, type S3Context } from "../context.ts";
import { MAX_POLICY_BYTES, validateBucketPolicy } from "../policy/bucket-policy.ts";

export async function putBucketPolicy(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  const text = await readSmallBody(ctx, MAX_POLICY_BYTES + 1);
  validateBucketPolicy(bucket, text);
  await ctx.storage.putBucketDocument(bucket, "policy", text);
  sendEmpty(ctx, 204);
}

export async function getBucketPolicy(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  const text = await ctx.storage.getBucketDocument(bucket, "policy");
  if (text === undefined)
    throw new AwsError("NoSuchBucketPolicy", 404, "The bucket policy does not exist", { BucketName: bucket });
  const payload = Buffer.from(text, "utf8");
  ctx.res.writeHead(200, { "content-type": "application/json", "content-length": payload.length });
  ctx.res.end(payload);
}

export async function deleteBucketPolicy(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  await ctx.storage.putBucketDocument(bucket, "policy", undefined);
  sendEmpty(ctx, 204);
}
