import { AwsError } from "../../aws-error.ts";
import { formatPolicyIssues, parsePolicy, s3BucketArn, type Policy } from "../../iam/index.ts";
import type { ObjectStorage } from "../../storage/object-storage.ts";

/** S3 caps bucket policies at 20 KB. */
export const MAX_POLICY_BYTES = 20 * 1024;

const malformed = (message: string) => new AwsError("MalformedPolicy", 400, message);

/**
 * Validates a bucket policy as S3 does: a JSON resource policy (Principal required), whose actions are S3
 * actions and whose resources are this bucket or objects in it. Throws MalformedPolicy; returns the parsed policy.
 */
export function validateBucketPolicy(bucket: string, text: string): Policy {
  if (Buffer.byteLength(text) > MAX_POLICY_BYTES)
    throw new AwsError("PolicyTooLarge", 400, "Policy exceeds the maximum allowed document size.");
  if (!text.trimStart().startsWith("{"))
    throw malformed("Policies must be valid JSON and the first byte must be '{'");
  const { policy, issues } = parsePolicy(text, { kind: "resource" });
  if (!policy) throw malformed(formatPolicyIssues(issues));
  const bucketArn = s3BucketArn(bucket);
  for (const statement of policy.statements) {
    for (const action of [...(statement.action ?? []), ...(statement.notAction ?? [])])
      if (action !== "*" && !action.toLowerCase().startsWith("s3:"))
        throw malformed("Policy has invalid action");
    for (const resource of [...(statement.resource ?? []), ...(statement.notResource ?? [])])
      if (resource !== bucketArn && !resource.startsWith(`${bucketArn}/`))
        throw malformed("Policy has invalid resource");
  }
  return policy;
}

/**
 * The parsed policy of a bucket, for the authoriser. Parsing is cached by document text: the policy is read
 * on every request, and a stored policy was validated when it was put.
 */
export class BucketPolicies {
  private readonly storage: ObjectStorage;
  private readonly parsed = new Map<string, Policy>();

  constructor(storage: ObjectStorage) {
    this.storage = storage;
  }

  /** Throws when the stored policy cannot be read or parsed: the request is then refused, never let through. */
  async of(bucket: string): Promise<Policy | undefined> {
    const text = await this.storage.getBucketDocument(bucket, "policy");
    if (text === undefined) return undefined;
    let policy = this.parsed.get(text);
    if (policy === undefined) {
      const parsed = parsePolicy(text, { kind: "resource" });
      if (!parsed.policy)
        throw new Error(
          `the stored policy of bucket ${bucket} does not parse: ${formatPolicyIssues(parsed.issues)}`,
        );
      policy = parsed.policy;
      if (this.parsed.size > 1000) this.parsed.clear();
      this.parsed.set(text, policy);
    }
    return policy;
  }
}
