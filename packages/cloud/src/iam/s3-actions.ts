/**
 * Maps S3 API operations to the IAM action and resource ARN that authorise them (Amazon S3 user guide, "Amazon S3
 * condition key examples" and the service authorization reference for Amazon S3).
 * CopyObject needs two checks: s3:PutObject on the destination (returned here) and s3:GetObject on the source
 * (`s3ActionResource("GetObject", sourceBucket, sourceKey)`). DeleteObjects is checked once per key.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";

type Scope = "service" | "bucket" | "object";

const table = {
  ListBuckets: ["s3:ListAllMyBuckets", "service"],
  CreateBucket: ["s3:CreateBucket", "bucket"],
  DeleteBucket: ["s3:DeleteBucket", "bucket"],
  HeadBucket: ["s3:ListBucket", "bucket"],
  GetBucketLocation: ["s3:GetBucketLocation", "bucket"],
  ListObjects: ["s3:ListBucket", "bucket"],
  ListObjectsV2: ["s3:ListBucket", "bucket"],
  ListObjectVersions: ["s3:ListBucketVersions", "bucket"],
  ListMultipartUploads: ["s3:ListBucketMultipartUploads", "bucket"],
  GetBucketPolicy: ["s3:GetBucketPolicy", "bucket"],
  PutBucketPolicy: ["s3:PutBucketPolicy", "bucket"],
  DeleteBucketPolicy: ["s3:DeleteBucketPolicy", "bucket"],
  GetBucketLifecycleConfiguration: ["s3:GetLifecycleConfiguration", "bucket"],
  PutBucketLifecycleConfiguration: ["s3:PutLifecycleConfiguration", "bucket"],
  DeleteBucketLifecycle: ["s3:PutLifecycleConfiguration", "bucket"],
  GetBucketVersioning: ["s3:GetBucketVersioning", "bucket"],
  GetBucketAcl: ["s3:GetBucketAcl", "bucket"],
  GetObject: ["s3:GetObject", "object"],
  HeadObject: ["s3:GetObject", "object"],
  GetObjectAttributes: ["s3:GetObjectAttributes", "object"],
  GetObjectAcl: ["s3:GetObjectAcl", "object"],
  GetObjectTagging: ["s3:GetObjectTagging", "object"],
  PutObjectTagging: ["s3:PutObjectTagging", "object"],
  PutObject: ["s3:PutObject", "object"],
  CopyObject: ["s3:PutObject", "object"],
  CreateMultipartUpload: ["s3:PutObject", "object"],
  UploadPart: ["s3:PutObject", "object"],
  UploadPartCopy: ["s3:PutObject", "object"],
  CompleteMultipartUpload: ["s3:PutObject", "object"],
  AbortMultipartUpload: ["s3:AbortMultipartUpload", "object"],
  ListParts: ["s3:ListMultipartUploadParts", "object"],
  DeleteObject: ["s3:DeleteObject", "object"],
  DeleteObjects: ["s3:DeleteObject", "object"],
} as const satisfies Record<string, readonly [string, Scope]>;

/** The S3 API operations Fawkes authorises, by their API names. */
export type S3Operation = keyof typeof table;

export const s3Operations = Object.keys(table) as S3Operation[];

export interface ActionResource {
  action: string;
  resource: string;
}

/** `arn:aws:s3:::bucket`. */
export const s3BucketArn = (bucket: string): string => `arn:aws:s3:::${bucket}`;

/** `arn:aws:s3:::bucket/key`; the key is used as stored, never normalised or decoded. */
export const s3ObjectArn = (bucket: string, key: string): string => `arn:aws:s3:::${bucket}/${key}`;

/**
 * The action and resource for one S3 operation. ListBuckets (s3:ListAllMyBuckets) has no resource type, so its
 * resource is `*`: only a statement with `"Resource": "*"` (or NotResource) grants it, as the IAM user guide's
 * NotAction page says ("that action requires the "*" resource").
 */
export function s3ActionResource(operation: S3Operation, bucket?: string, key?: string): ActionResource {
  const entry = (table as Record<string, readonly [string, Scope]>)[operation];
  if (entry === undefined) {
    throw new FawkesError(ErrorCode.badRequest, `unknown S3 operation "${operation}"`);
  }
  const [action, scope] = entry;
  if (scope === "service") return { action, resource: "*" };
  if (bucket === undefined || bucket === "") {
    throw new FawkesError(ErrorCode.badRequest, `S3 operation ${operation} needs a bucket`);
  }
  if (scope === "bucket") return { action, resource: s3BucketArn(bucket) };
  if (key === undefined || key === "") {
    throw new FawkesError(ErrorCode.badRequest, `S3 operation ${operation} needs an object key`);
  }
  return { action, resource: s3ObjectArn(bucket, key) };
}
