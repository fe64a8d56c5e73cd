import {
  evaluate,
  parsePolicy,
  s3ActionResource,
  type Policy,
  type RequestPrincipal,
  type S3Operation,
} from "../iam/index.ts";
import type { Authorize, AuthorizeRequest } from "./context.ts";

const parsed = new WeakMap<object, Policy | null>();

/** Parses an access key's policy once; an invalid policy grants nothing (it can never widen access). */
function policyOf(document: unknown): Policy | undefined {
  const cacheable = typeof document === "object" && document !== null;
  if (cacheable && parsed.has(document)) return parsed.get(document) ?? undefined;
  const { policy } = parsePolicy(document, { kind: "identity" });
  if (cacheable) parsed.set(document, policy ?? null);
  return policy;
}

function principalOf(arn: string): RequestPrincipal {
  const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
  const type = arn.includes(":assumed-role/") ? "AssumedRole" : arn.endsWith(":root") ? "Account" : "User";
  return { arn, type, ...(account ? { account } : {}) };
}

/** The condition keys S3 sets for list operations (s3:prefix, s3:delimiter, s3:max-keys). */
function listContext(request: AuthorizeRequest): Record<string, string> {
  const context: Record<string, string> = {};
  for (const name of ["prefix", "delimiter", "max-keys"]) {
    const value = request.query[name];
    if (value !== undefined) context[`s3:${name}`] = value;
  }
  return context;
}

/** The default authoriser: AWS policy evaluation of the access key's identity policies and the bucket policy. */
export const iamAuthorize: Authorize = (request) => {
  const { action, resource } = s3ActionResource(
    request.operation as S3Operation,
    request.bucket,
    request.key,
  );
  const identityPolicies = request.accessKey.policies
    .map(policyOf)
    .filter((p): p is Policy => p !== undefined);
  const result = evaluate(
    {
      principal: principalOf(request.accessKey.principalArn),
      action,
      resource,
      context: {
        "aws:SourceIp": request.sourceIp.replace(/^::ffff:/, ""),
        "aws:SecureTransport": request.secureTransport,
        ...(request.operation.startsWith("ListObjects") ? listContext(request) : {}),
      },
    },
    // Buckets belong to the caller's account (one local account), so a bucket policy Allow that names the
    // caller grants on its own, and any Deny in it wins (IAM's same-account evaluation).
    { identityPolicies, ...(request.bucketPolicy ? { resourcePolicy: request.bucketPolicy } : {}) },
  );
  return result.decision === "Allow";
};
