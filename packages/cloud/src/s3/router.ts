import { AwsError } from "../aws-error.ts";
import { hasParam, param, requestHeader, type S3Context } from "./context.ts";
import * as lifecycle from "./handlers/bucket-lifecycle.ts";
import * as policy from "./handlers/bucket-policy.ts";
import * as buckets from "./handlers/buckets.ts";
import { copyObject } from "./handlers/copy-object.ts";
import { deleteObject, deleteObjects } from "./handlers/delete.ts";
import { getObject } from "./handlers/get-object.ts";
import { listObjectsV1, listObjectsV2 } from "./handlers/list-objects.ts";
import { abortMultipartUpload, listMultipartUploads, listPartsOfUpload } from "./handlers/multipart-lists.ts";
import { completeMultipartUpload, createMultipartUpload, uploadPart } from "./handlers/multipart.ts";
import { putObject } from "./handlers/put-object.ts";

/** An S3 operation (named as in the S3 API reference and IAM) and the handler that serves it. */
export interface Route {
  operation: string;
  handle: () => Promise<void>;
}

/** Bucket sub-resources we do not serve: answered NotImplemented instead of being mistaken for ListObjects. */
const UNSUPPORTED_BUCKET_SUBRESOURCES = [
  "acl",
  "policyStatus",
  "cors",
  "tagging",
  "website",
  "logging",
  "notification",
  "replication",
  "encryption",
  "object-lock",
  "ownershipControls",
  "publicAccessBlock",
  "accelerate",
  "requestPayment",
  "analytics",
  "inventory",
  "metrics",
  "intelligent-tiering",
  "versions",
  "session",
];
const UNSUPPORTED_OBJECT_SUBRESOURCES = [
  "acl",
  "tagging",
  "retention",
  "legal-hold",
  "restore",
  "select",
  "torrent",
  "attributes",
];

const methodNotAllowed = (method: string) =>
  new AwsError("MethodNotAllowed", 405, "The specified method is not allowed against this resource.", {
    Method: method,
    ResourceType: "OBJECT",
  });

const op = (operation: string, handle: () => Promise<void>): Route => ({ operation, handle });

/** `?policy` and `?lifecycle` on a bucket. */
function bucketConfigurationRoute(ctx: S3Context, bucket: string): Route | undefined {
  const { method } = ctx;
  if (hasParam(ctx, "policy")) {
    if (method === "GET") return op("GetBucketPolicy", () => policy.getBucketPolicy(ctx, bucket));
    if (method === "PUT") return op("PutBucketPolicy", () => policy.putBucketPolicy(ctx, bucket));
    if (method === "DELETE") return op("DeleteBucketPolicy", () => policy.deleteBucketPolicy(ctx, bucket));
    throw methodNotAllowed(method);
  }
  if (hasParam(ctx, "lifecycle")) {
    if (method === "GET")
      return op("GetBucketLifecycleConfiguration", () => lifecycle.getBucketLifecycle(ctx, bucket));
    if (method === "PUT")
      return op("PutBucketLifecycleConfiguration", () => lifecycle.putBucketLifecycle(ctx, bucket));
    if (method === "DELETE")
      return op("DeleteBucketLifecycle", () => lifecycle.deleteBucketLifecycle(ctx, bucket));
    throw methodNotAllowed(method);
  }
  return undefined;
}

/** Maps method + path + sub-resource to an operation; `x-id` (added by SDK v3) is signed but never routes. */
export function route(ctx: S3Context): Route {
  const { method, bucket, key } = ctx;
  if (bucket === undefined) {
    if (method === "GET") return op("ListBuckets", () => buckets.listBuckets(ctx));
    throw methodNotAllowed(method);
  }
  if (key === undefined) {
    const configuration = bucketConfigurationRoute(ctx, bucket);
    if (configuration) return configuration;
    const unsupported = UNSUPPORTED_BUCKET_SUBRESOURCES.find((s) => hasParam(ctx, s));
    if (unsupported)
      throw new AwsError(
        "NotImplemented",
        501,
        `The bucket sub-resource '${unsupported}' is not implemented`,
      );
    switch (method) {
      case "GET":
        if (hasParam(ctx, "location"))
          return op("GetBucketLocation", () => buckets.getBucketLocation(ctx, bucket));
        if (hasParam(ctx, "versioning"))
          return op("GetBucketVersioning", () => buckets.getBucketVersioning(ctx, bucket));
        if (hasParam(ctx, "uploads"))
          return op("ListMultipartUploads", () => listMultipartUploads(ctx, bucket));
        if (param(ctx, "list-type") === "2") return op("ListObjectsV2", () => listObjectsV2(ctx, bucket));
        return op("ListObjects", () => listObjectsV1(ctx, bucket));
      case "HEAD":
        return op("HeadBucket", () => buckets.headBucket(ctx, bucket));
      case "PUT":
        if (hasParam(ctx, "versioning"))
          throw new AwsError("NotImplemented", 501, "Bucket versioning is not implemented");
        return op("CreateBucket", () => buckets.createBucket(ctx, bucket));
      case "DELETE":
        return op("DeleteBucket", () => buckets.deleteBucket(ctx, bucket));
      case "POST":
        if (hasParam(ctx, "delete")) return op("DeleteObjects", () => deleteObjects(ctx, bucket));
        throw new AwsError("NotImplemented", 501, "POST object uploads (HTML forms) are not implemented");
      default:
        throw methodNotAllowed(method);
    }
  }
  const unsupported = UNSUPPORTED_OBJECT_SUBRESOURCES.find((s) => hasParam(ctx, s));
  if (unsupported)
    throw new AwsError("NotImplemented", 501, `The object sub-resource '${unsupported}' is not implemented`);
  const uploadId = hasParam(ctx, "uploadId");
  switch (method) {
    case "GET":
      if (uploadId) return op("ListParts", () => listPartsOfUpload(ctx, bucket, key));
      return op("GetObject", () => getObject(ctx, bucket, key, false));
    case "HEAD":
      return op("HeadObject", () => getObject(ctx, bucket, key, true));
    case "PUT":
      if (uploadId || hasParam(ctx, "partNumber")) {
        if (requestHeader(ctx, "x-amz-copy-source") !== undefined)
          throw new AwsError("NotImplemented", 501, "UploadPartCopy is not implemented");
        if (!uploadId) throw new AwsError("InvalidRequest", 400, "partNumber requires uploadId");
        return op("UploadPart", () => uploadPart(ctx, bucket, key));
      }
      if (requestHeader(ctx, "x-amz-copy-source") !== undefined)
        return op("CopyObject", () => copyObject(ctx, bucket, key));
      return op("PutObject", () => putObject(ctx, bucket, key));
    case "DELETE":
      if (uploadId) return op("AbortMultipartUpload", () => abortMultipartUpload(ctx, bucket, key));
      return op("DeleteObject", () => deleteObject(ctx, bucket, key));
    case "POST":
      if (hasParam(ctx, "uploads"))
        return op("CreateMultipartUpload", () => createMultipartUpload(ctx, bucket, key));
      if (uploadId) return op("CompleteMultipartUpload", () => completeMultipartUpload(ctx, bucket, key));
      throw methodNotAllowed(method);
    default:
      throw methodNotAllowed(method);
  }
}
