/**
 * Decides one request made with an access key: the key's identity policies, capped by its permissions boundary
 * and session policies, against an optional resource policy. Every service on the endpoint (S3, IAM, STS…)
 * authorises through this, so a role's session means the same thing everywhere.
 */
import type { AccessKey } from "../credentials.ts";
import { evaluate } from "./evaluate.ts";
import { parsePolicy } from "./parse-policy.ts";
import type { ContextValue, EvaluationResult, Policy, PolicyKind, RequestPrincipal } from "./types.ts";

const parsed = new WeakMap<object, Policy | null>();

/**
 * Parses a stored policy document once (memoised by the document's identity); an invalid document grants
 * nothing, so it can never widen access.
 */
export function storedPolicy(document: unknown, kind: PolicyKind = "identity"): Policy | undefined {
  const cacheable = typeof document === "object" && document !== null;
  if (cacheable && parsed.has(document)) return parsed.get(document) ?? undefined;
  const { policy } = parsePolicy(document, { kind });
  if (cacheable) parsed.set(document, policy ?? null);
  return policy;
}

const policies = (documents: readonly unknown[] | undefined): Policy[] | undefined =>
  documents?.map((document) => storedPolicy(document)).filter((p): p is Policy => p !== undefined);

/** The principal an access key acts as, as policies see it. */
export function keyPrincipal(key: Pick<AccessKey, "principalArn" | "roleArn">): RequestPrincipal {
  const arn = key.principalArn;
  const account = /^arn:aws:(?:iam|sts)::(\d{12}):/.exec(arn)?.[1];
  const type = arn.includes(":assumed-role/") ? "AssumedRole" : arn.endsWith(":root") ? "Account" : "User";
  return {
    arn,
    type,
    ...(account ? { account } : {}),
    ...(key.roleArn !== undefined ? { roleArn: key.roleArn } : {}),
  };
}

export interface KeyRequest {
  action: string;
  resource: string;
  context?: Readonly<Record<string, ContextValue>>;
  /** The resource's own policy (a bucket policy, a role's trust policy), if any. */
  resourcePolicy?: Policy;
  now?: Date;
}

export function decideForKey(key: AccessKey, request: KeyRequest): EvaluationResult {
  const context: Record<string, ContextValue> = {};
  if (key.userId !== undefined) context["aws:userid"] = key.userId;
  for (const [name, value] of Object.entries(key.tags ?? {})) context[`aws:PrincipalTag/${name}`] = value;
  Object.assign(context, request.context);
  const boundary = key.permissionsBoundary === undefined ? undefined : storedPolicy(key.permissionsBoundary);
  // No session policy (an empty list included) means no cap: an empty list must not deny everything.
  const sessionPolicies = key.sessionPolicies?.length ? policies(key.sessionPolicies) : undefined;
  return evaluate(
    { principal: keyPrincipal(key), action: request.action, resource: request.resource, context },
    {
      identityPolicies: policies(key.policies) ?? [],
      ...(request.resourcePolicy ? { resourcePolicy: request.resourcePolicy } : {}),
      // A boundary that does not parse allows nothing (fail closed), as an absent Allow would.
      ...(key.permissionsBoundary !== undefined
        ? { permissionsBoundary: boundary ?? { version: "2012-10-17", statements: [] } }
        : {}),
      ...(sessionPolicies !== undefined ? { sessionPolicies } : {}),
      ...(request.now ? { now: request.now } : {}),
    },
  );
}
