import { AwsError } from "../../aws-error.ts";
import {
  parseLifecycleConfiguration,
  renderLifecycleConfiguration,
  type LifecycleConfiguration,
} from "../../lifecycle/rules.ts";
import { readSmallBody, sendEmpty, sendXml, type S3Context } from "../context.ts";

export async function putBucketLifecycle(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  const config = parseLifecycleConfiguration(await readSmallBody(ctx, 1024 * 1024));
  await ctx.storage.putBucketDocument(bucket, "lifecycle", JSON.stringify(config));
  sendEmpty(ctx, 200);
}

export async function getBucketLifecycle(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  const text = await ctx.storage.getBucketDocument(bucket, "lifecycle");
  if (text === undefined)
    throw new AwsError("NoSuchLifecycleConfiguration", 404, "The lifecycle configuration does not exist", {
      BucketName: bucket,
    });
  sendXml(ctx, 200, renderLifecycleConfiguration(JSON.parse(text) as LifecycleConfiguration));
}

export async function deleteBucketLifecycle(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  await ctx.storage.putBucketDocument(bucket, "lifecycle", undefined);
  sendEmpty(ctx, 204);
}
