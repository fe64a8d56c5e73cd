/**
 * IAM policy evaluation with AWS semantics: parse and validate JSON policy documents, decide requests against
 * identity, resource (bucket), boundary and session policies, and map S3 operations to actions and resources.
 * Pure TypeScript, no node:* imports. See docs/iam.md.
 */
export { parsePolicy, parsePolicyOrThrow, formatPolicyIssues } from "./parse-policy.ts";
export type { ParsePolicyOptions, ParsePolicyResult } from "./parse-policy.ts";
export { evaluate } from "./evaluate.ts";
export { decideForKey, keyPrincipal, storedPolicy } from "./key-decision.ts";
export type { KeyRequest } from "./key-decision.ts";
export { s3ActionResource, s3BucketArn, s3ObjectArn, s3Operations } from "./s3-actions.ts";
export type { ActionResource, S3Operation } from "./s3-actions.ts";
export type {
  AuthorizationRequest,
  ConditionClause,
  ConditionOperatorName,
  ContextScalar,
  ContextValue,
  Decision,
  Effect,
  EvaluateOptions,
  EvaluationResult,
  MatchedStatement,
  Policy,
  PolicyIssue,
  PolicyKind,
  PolicySource,
  PolicyStatement,
  PolicyVersion,
  PrincipalSpec,
  PrincipalType,
  RequestPrincipal,
  SetQualifier,
} from "./types.ts";
