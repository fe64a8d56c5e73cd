/**
 * The authorisation decision (IAM user guide, "Policy evaluation logic" and "Cross-account policy evaluation
 * logic"):
 * 1. an applicable Deny statement in any policy is an explicit deny;
 * 2. otherwise, in the resource's own account, an Allow from the identity policies (within the permissions
 *    boundary) or an Allow from the resource policy that names the principal (or "*") allows; across accounts,
 *    both the identity policies and the resource policy must allow; session policies cap both;
 * 3. otherwise the request is implicitly denied.
 */
import { conditionsHold } from "./conditions.ts";
import { buildRequestContext } from "./context.ts";
import type { RequestContext } from "./context.ts";
import type {
  AuthorizationRequest,
  EvaluateOptions,
  EvaluationResult,
  MatchedStatement,
  Policy,
  PolicySource,
  PolicyStatement,
  PrincipalSpec,
  RequestPrincipal,
} from "./types.ts";
import { actionMatch, arnMatch } from "./wildcard.ts";

/**
 * How a resource policy's Principal names the caller: `direct` (its ARN, its role's ARN, or "*") grants on its own;
 * `account` (the caller's account id or root ARN) only delegates to the account's identity policies.
 */
type PrincipalMatch = "direct" | "account" | undefined;

function principalMatch(spec: PrincipalSpec, principal: RequestPrincipal): PrincipalMatch {
  if (spec.any) return "direct";
  const arns = [principal.arn, principal.roleArn].filter(
    (arn): arn is string => arn !== undefined && arn !== "",
  );
  if (principal.type === "Service") {
    return spec.service.some((name) => name.toLowerCase() === principal.arn.toLowerCase())
      ? "direct"
      : undefined;
  }
  if (principal.type === "FederatedUser" && spec.federated.some((provider) => arns.includes(provider))) {
    return "direct";
  }
  if (spec.aws.some((entry) => arns.includes(entry))) return "direct";
  const account = principal.account;
  if (account !== undefined && spec.aws.some((e) => e === account || e === `arn:aws:iam::${account}:root`)) {
    return principal.type === "Account" ? "direct" : "account";
  }
  return undefined;
}

interface Applicability {
  applies: boolean;
  principal: PrincipalMatch;
}

function statementApplies(
  statement: PolicyStatement,
  request: AuthorizationRequest,
  context: RequestContext,
  variables: boolean,
  checkPrincipal: boolean,
): Applicability {
  const no: Applicability = { applies: false, principal: undefined };
  let principal: PrincipalMatch = "direct";
  if (checkPrincipal) {
    if (statement.principal) principal = principalMatch(statement.principal, request.principal);
    else if (statement.notPrincipal)
      principal = principalMatch(statement.notPrincipal, request.principal) ? undefined : "direct";
    else principal = undefined; // A resource policy statement without a principal applies to no one.
    if (principal === undefined) return no;
  }
  if (statement.action && !statement.action.some((pattern) => actionMatch(pattern, request.action)))
    return no;
  if (statement.notAction && statement.notAction.some((pattern) => actionMatch(pattern, request.action)))
    return no;
  const resourceMatch = (pattern: string) => arnMatch(pattern, request.resource, context.lookup, variables);
  if (statement.resource && !statement.resource.some(resourceMatch)) return no;
  if (statement.notResource && statement.notResource.some(resourceMatch)) return no;
  if (!conditionsHold(statement.condition, context, variables)) return no;
  return { applies: true, principal };
}

interface PolicyOutcome {
  allow: boolean;
  deny: boolean;
  /** For the resource policy: the strongest principal match among applicable Allow statements. */
  allowPrincipal: PrincipalMatch;
}

function evaluatePolicy(
  policy: Policy,
  source: PolicySource,
  policyIndex: number,
  request: AuthorizationRequest,
  context: RequestContext,
  matched: MatchedStatement[],
): PolicyOutcome {
  const outcome: PolicyOutcome = { allow: false, deny: false, allowPrincipal: undefined };
  const variables = policy.version === "2012-10-17";
  policy.statements.forEach((statement, statementIndex) => {
    const result = statementApplies(statement, request, context, variables, source === "resource");
    if (!result.applies) return;
    const entry: MatchedStatement = { source, policyIndex, statementIndex, effect: statement.effect };
    if (policy.id !== undefined) entry.policyId = policy.id;
    if (statement.sid !== undefined) entry.sid = statement.sid;
    matched.push(entry);
    if (statement.effect === "Deny") outcome.deny = true;
    else {
      outcome.allow = true;
      if (outcome.allowPrincipal !== "direct") outcome.allowPrincipal = result.principal;
    }
  });
  return outcome;
}

export function evaluate(request: AuthorizationRequest, options: EvaluateOptions): EvaluationResult {
  const context = buildRequestContext(request, options.now ?? new Date());
  const matchedStatements: MatchedStatement[] = [];
  const run = (policy: Policy, source: PolicySource, index: number) =>
    evaluatePolicy(policy, source, index, request, context, matchedStatements);

  const identity = options.identityPolicies.map((policy, i) => run(policy, "identity", i));
  const resource = options.resourcePolicy ? run(options.resourcePolicy, "resource", 0) : undefined;
  const boundary = options.permissionsBoundary ? run(options.permissionsBoundary, "boundary", 0) : undefined;
  const session = options.sessionPolicies?.map((policy, i) => run(policy, "session", i));

  const all = [...identity, resource, boundary, ...(session ?? [])];
  if (all.some((outcome) => outcome?.deny)) return { decision: "ExplicitDeny", matchedStatements };

  const sessionAllows = session === undefined || session.some((outcome) => outcome.allow);
  const identityAllows =
    identity.some((outcome) => outcome.allow) && (boundary?.allow ?? true) && sessionAllows;
  const resourceDirect = resource?.allow === true && resource.allowPrincipal === "direct" && sessionAllows;
  const resourceAny = resource?.allow === true && sessionAllows;

  const { principal } = request;
  const crossAccount =
    options.resourceAccount !== undefined &&
    principal.account !== undefined &&
    principal.account !== options.resourceAccount;
  const allowed = crossAccount ? identityAllows && resourceAny : identityAllows || resourceDirect;
  return { decision: allowed ? "Allow" : "ImplicitDeny", matchedStatements };
}
