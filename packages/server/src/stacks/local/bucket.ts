/**
 * `AWS::S3::Bucket`: a bucket of the artifact repository. A bucket that still holds objects is not deleted (as
 * on AWS: the stack's delete fails naming it), unless its DeletionPolicy keeps it anyway.
 */
import { AwsError } from "@fawkes/cloud";
import { generatedName, type ResourceProvider } from "../providers.ts";

export interface BucketAdmin {
  createBucket(name: string): Promise<void>;
  deleteBucket(name: string): Promise<void>;
  /** NoSuchBucket when missing. */
  headBucket(name: string): Promise<unknown>;
}

const noSuchBucket = (error: unknown): boolean => error instanceof AwsError && error.code === "NoSuchBucket";

export function bucketProvider(buckets: BucketAdmin, cloudUrl: () => string): ResourceProvider {
  return {
    type: "AWS::S3::Bucket",
    physicalId: (props, ctx) =>
      typeof props.BucketName === "string" ? props.BucketName : generatedName(ctx, 63).toLowerCase(),
    async create(name, _props, ctx) {
      ctx.caller.authorize("s3:CreateBucket", `arn:aws:s3:::${name}`);
      await buckets.createBucket(name);
      const host = new URL(cloudUrl()).host;
      return {
        Arn: `arn:aws:s3:::${name}`,
        DomainName: `${name}.s3.amazonaws.com`,
        DualStackDomainName: `${name}.s3.dualstack.${ctx.region}.amazonaws.com`,
        RegionalDomainName: `${name}.s3.${ctx.region}.amazonaws.com`,
        WebsiteURL: `http://${host}/${name}`,
      };
    },
    async delete(name, _props, ctx) {
      // A bucket that was never made (its create was refused) needs no right to be gone.
      if (
        await buckets.headBucket(name).then(
          () => false,
          (error: unknown) => noSuchBucket(error),
        )
      )
        return;
      ctx.caller.authorize("s3:DeleteBucket", `arn:aws:s3:::${name}`);
      try {
        await buckets.deleteBucket(name);
      } catch (error) {
        if (noSuchBucket(error)) return;
        if (error instanceof AwsError && error.code === "BucketNotEmpty")
          throw new Error(`The bucket you tried to delete is not empty (Bucket: ${name})`, { cause: error });
        throw error;
      }
    },
  };
}
