/**
 * The one place the IAM API maps the server's errors (FawkesError codes) to AWS's IAM error codes, and checks
 * policy documents so a malformed one is `MalformedPolicyDocument` naming the JSON path of each problem.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { AwsError } from "../aws-error.ts";
import { parsePolicy } from "../iam/parse-policy.ts";
import type { PolicyKind } from "../iam/types.ts";

const BY_CODE: Partial<Record<string, { code: string; status: number }>> = {
  [ErrorCode.roleNotFound]: { code: "NoSuchEntity", status: 404 },
  [ErrorCode.policyNotFound]: { code: "NoSuchEntity", status: 404 },
  [ErrorCode.instanceProfileNotFound]: { code: "NoSuchEntity", status: 404 },
  [ErrorCode.entityAlreadyExists]: { code: "EntityAlreadyExists", status: 409 },
  [ErrorCode.deleteConflict]: { code: "DeleteConflict", status: 409 },
  [ErrorCode.limitExceeded]: { code: "LimitExceeded", status: 409 },
  [ErrorCode.validation]: { code: "ValidationError", status: 400 },
  [ErrorCode.forbidden]: { code: "AccessDenied", status: 403 },
};

/** A FawkesError the IAM API knows as its AWS error; anything else unchanged (an internal error). */
export function iamError(error: unknown): unknown {
  if (!(error instanceof FawkesError)) return error;
  const mapped = BY_CODE[error.code];
  return mapped ? new AwsError(mapped.code, mapped.status, error.message, {}, { cause: error }) : error;
}

/** The document of parameter `name` (JSON text), or MalformedPolicyDocument listing every issue's JSON path. */
export function checkedDocument(text: string, name: string, kind: PolicyKind): string {
  const { issues } = parsePolicy(text, { kind });
  if (issues.length > 0)
    throw new AwsError(
      "MalformedPolicyDocument",
      400,
      `${name}: ` +
        issues
          .map((issue) => (issue.path === "" ? issue.message : `${issue.path}: ${issue.message}`))
          .join("; "),
    );
  return text;
}

export const noSuchEntity = (message: string): AwsError => new AwsError("NoSuchEntity", 404, message);
