import { decideForKey, s3ActionResource, type S3Operation } from "../iam/index.ts";
import type { Authorize, AuthorizeRequest } from "./context.ts";

/** The condition keys S3 sets for list operations (s3:prefix, s3:delimiter, s3:max-keys). */
function listContext(request: AuthorizeRequest): Record<string, string> {
  const context: Record<string, string> = {};
  for (const name of ["prefix", "delimiter", "max-keys"]) {
    const value = request.query[name];
    if (value !== undefined) context[`s3:${name}`] = value;
  }
  return context;
}

/** The default authoriser: AWS policy evaluation of the access key's policies and the bucket policy. */
export const iamAuthorize: Authorize = (request) => {
  const { action, resource } = s3ActionResource(
    request.operation as S3Operation,
    request.bucket,
    request.key,
  );
  const result = decideForKey(request.accessKey, {
    action,
    resource,
    context: {
      "aws:SourceIp": request.sourceIp.replace(/^::ffff:/, ""),
      "aws:SecureTransport": request.secureTransport,
      ...(request.operation.startsWith("ListObjects") ? listContext(request) : {}),
    },
    // Buckets belong to the caller's account (one local account), so a bucket policy Allow that names the
    // caller grants on its own, and any Deny in it wins (IAM's same-account evaluation).
    ...(request.bucketPolicy ? { resourcePolicy: request.bucketPolicy } : {}),
  });
  return result.decision === "Allow";
};
