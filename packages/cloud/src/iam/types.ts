/**
 * Types of the IAM policy evaluator: parsed policy documents, request contexts and decisions.
 * A parsed `Policy` is plain data (JSON-serialisable), so it can be stored and evaluated later.
 */

/** Policy language versions. Policy variables (`${aws:username}`) only work in "2012-10-17". */
export type PolicyVersion = "2012-10-17" | "2008-10-17";

export type Effect = "Allow" | "Deny";

/** What a policy is attached to; decides whether `Principal` is forbidden, required or optional. */
export type PolicyKind = "identity" | "resource" | "trust";

/** A `Principal` or `NotPrincipal` element, normalised: every list present, possibly empty. */
export interface PrincipalSpec {
  /** `"Principal": "*"` or `{"AWS": "*"}`: everyone, including anonymous callers. */
  any: boolean;
  /** Account ids (`123456789012`), account root ARNs and user/role ARNs. */
  aws: string[];
  /** Service principals (`s3.amazonaws.com`). */
  service: string[];
  /** Identity providers (`cognito-identity.amazonaws.com`, OIDC provider ARNs). */
  federated: string[];
  /** S3 canonical user ids; accepted by the grammar, never matched (Fawkes has no canonical users). */
  canonicalUser: string[];
}

/** The condition operators, without `ForAllValues:`/`ForAnyValue:` and `IfExists`. */
export type ConditionOperatorName =
  | "StringEquals"
  | "StringNotEquals"
  | "StringEqualsIgnoreCase"
  | "StringNotEqualsIgnoreCase"
  | "StringLike"
  | "StringNotLike"
  | "NumericEquals"
  | "NumericNotEquals"
  | "NumericLessThan"
  | "NumericLessThanEquals"
  | "NumericGreaterThan"
  | "NumericGreaterThanEquals"
  | "DateEquals"
  | "DateNotEquals"
  | "DateLessThan"
  | "DateLessThanEquals"
  | "DateGreaterThan"
  | "DateGreaterThanEquals"
  | "Bool"
  | "BinaryEquals"
  | "IpAddress"
  | "NotIpAddress"
  | "ArnEquals"
  | "ArnLike"
  | "ArnNotEquals"
  | "ArnNotLike"
  | "Null";

export type SetQualifier = "ForAllValues" | "ForAnyValue";

/** One `operator → key → values` test of a `Condition` block. All clauses of a statement are ANDed. */
export interface ConditionClause {
  /** The operator as written in the policy, e.g. `ForAnyValue:StringLikeIfExists`. */
  operator: string;
  base: ConditionOperatorName;
  qualifier?: SetQualifier;
  ifExists: boolean;
  /** The condition key as written; looked up case-insensitively. */
  key: string;
  /** Policy values as strings (JSON numbers and booleans are stringified). ORed. */
  values: string[];
}

export interface PolicyStatement {
  sid?: string;
  effect: Effect;
  principal?: PrincipalSpec;
  notPrincipal?: PrincipalSpec;
  action?: string[];
  notAction?: string[];
  /** Absent together with `notResource` only in trust policies: the statement then matches any resource. */
  resource?: string[];
  notResource?: string[];
  condition: ConditionClause[];
}

export interface Policy {
  /** "2008-10-17" when the document has no `Version`, as in AWS. */
  version: PolicyVersion;
  id?: string;
  statements: PolicyStatement[];
}

/** A validation problem, with a JSON path such as `Statement[1].Effect`. */
export interface PolicyIssue {
  path: string;
  message: string;
}

/** The `aws:PrincipalType` values, plus `Service` for AWS-service principals. */
export type PrincipalType = "Account" | "User" | "FederatedUser" | "AssumedRole" | "Anonymous" | "Service";

export interface RequestPrincipal {
  /** `arn:aws:iam::123456789012:user/alice`; the service name for `Service`; "" for `Anonymous`. */
  arn: string;
  /** The 12-digit account id; absent for anonymous and service callers. */
  account?: string;
  type: PrincipalType;
  /** For an assumed-role session: the role's ARN, so resource policies naming the role match its sessions. */
  roleArn?: string;
}

/** One value of a context key. Numbers are epoch seconds when compared as dates. */
export type ContextScalar = string | number | boolean | Date;
export type ContextValue = ContextScalar | readonly ContextScalar[] | null | undefined;

export interface AuthorizationRequest {
  principal: RequestPrincipal;
  /** `service:Action`, e.g. `s3:GetObject`. */
  action: string;
  /** The resource ARN, e.g. `arn:aws:s3:::bucket/key`. */
  resource: string;
  /**
   * Condition keys (names are case-insensitive). `null`/`undefined` mean the key is absent.
   * `aws:CurrentTime`, `aws:EpochTime`, `aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType` and (for
   * IAM users) `aws:username` are filled in from the principal and the clock when not given.
   */
  context?: Readonly<Record<string, ContextValue>>;
}

export interface EvaluateOptions {
  /** Policies attached to the principal (user, role, access key). */
  identityPolicies: readonly Policy[];
  /** The bucket policy (or other resource-based policy) of the resource, if any. */
  resourcePolicy?: Policy;
  /** The account owning the resource; when it differs from the principal's, both sides must allow. */
  resourceAccount?: string;
  /** A permissions boundary: caps what identity policies can grant. */
  permissionsBoundary?: Policy;
  /** Session policies of temporary credentials: cap everything the session can do (any one must allow). */
  sessionPolicies?: readonly Policy[];
  /** The clock for `aws:CurrentTime`/`aws:EpochTime` when the context lacks them. @default new Date() */
  now?: Date;
}

export type PolicySource = "identity" | "resource" | "boundary" | "session";

export interface MatchedStatement {
  source: PolicySource;
  /** Index in `identityPolicies` / `sessionPolicies`; 0 for the resource policy and the boundary. */
  policyIndex: number;
  policyId?: string;
  statementIndex: number;
  sid?: string;
  effect: Effect;
}

export type Decision = "Allow" | "ExplicitDeny" | "ImplicitDeny";

export interface EvaluationResult {
  decision: Decision;
  /** Every statement that applied to the request (Allow and Deny), in evaluation order. */
  matchedStatements: MatchedStatement[];
}
