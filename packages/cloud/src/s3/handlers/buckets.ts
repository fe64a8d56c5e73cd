import { AwsError } from "../../aws-error.ts";
import { child, el, parseXml, s3Document, text } from "../xml.ts";
import { isoTime, OWNER, readSmallBody, sendEmpty, sendXml, type S3Context } from "../context.ts";

export async function listBuckets(ctx: S3Context): Promise<void> {
  const buckets = await ctx.storage.listBuckets();
  sendXml(
    ctx,
    200,
    s3Document(
      "ListAllMyBucketsResult",
      el("Owner", text("ID", OWNER.id), text("DisplayName", OWNER.displayName)),
      el(
        "Buckets",
        ...buckets.map((b) => el("Bucket", text("Name", b.name), text("CreationDate", isoTime(b.created)))),
      ),
    ),
  );
}

export async function createBucket(ctx: S3Context, bucket: string): Promise<void> {
  const configuration = await readSmallBody(ctx, 64 * 1024);
  if (configuration.trim() !== "") {
    const root = parseXml(configuration);
    if (root.name !== "CreateBucketConfiguration")
      throw new AwsError(
        "MalformedXML",
        400,
        "The XML you provided was not well-formed or did not validate against our published schema",
      );
    const constraint = child(root, "LocationConstraint")?.text.trim();
    if (constraint && constraint !== ctx.region && !(ctx.region === "us-east-1" && constraint === "US"))
      throw new AwsError(
        "IllegalLocationConstraintException",
        400,
        `The ${constraint} location constraint is incompatible for the region specific endpoint this request was sent to.`,
      );
  }
  await ctx.storage.createBucket(bucket);
  sendEmpty(ctx, 200, { location: `/${bucket}` });
}

export async function headBucket(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  sendEmpty(ctx, 200, { "x-amz-bucket-region": ctx.region });
}

export async function deleteBucket(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.deleteBucket(bucket);
  sendEmpty(ctx, 204);
}

export async function getBucketLocation(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  // S3 reports us-east-1 as an empty LocationConstraint.
  const region = ctx.region === "us-east-1" ? "" : ctx.region;
  sendXml(
    ctx,
    200,
    `<?xml version="1.0" encoding="UTF-8"?>\n<LocationConstraint xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${region}</LocationConstraint>`,
  );
}

export async function getBucketVersioning(ctx: S3Context, bucket: string): Promise<void> {
  await ctx.storage.headBucket(bucket);
  sendXml(ctx, 200, s3Document("VersioningConfiguration"));
}
