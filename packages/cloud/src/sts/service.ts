/**
 * STS on the cloud endpoint (Query protocol, `https://sts.amazonaws.com/doc/2011-06-15/`): AssumeRole,
 * AssumeRoleWithWebIdentity (unsigned), GetCallerIdentity and GetSessionToken, with AWS's answers and error
 * codes (docs/identity.md, "Temporary credentials"). Roles come from a RoleLookup, credentials from a
 * SessionIssuer; both are the server's.
 */
import { AwsError } from "../aws-error.ts";
import type { RoleDefinition, RoleLookup, WebIdentityVerifier } from "../identity.ts";
import { evaluate, formatPolicyIssues, keyPrincipal, parsePolicy } from "../iam/index.ts";
import type { ContextValue, Policy } from "../iam/index.ts";
import { invalidAction } from "../query/handle.ts";
import { validationError, type QueryParams } from "../query/params.ts";
import type { QueryCaller, QueryRequest, QueryService } from "../query/service.ts";
import { el, text } from "../s3/xml.ts";
import type { IssuedCredentials, PolicyLookup, SessionIssuer } from "./issuer.ts";

export const STS_XMLNS = "https://sts.amazonaws.com/doc/2011-06-15/";

const SESSION_NAME = /^[\w+=,.@-]{2,64}$/;
const MIN_DURATION = 900;
/** A role session started from another role's session lasts at most an hour (role chaining). */
const CHAINED_MAX_DURATION = 3600;
const USER_SESSION_MAX = 129_600;
const USER_SESSION_DEFAULT = 43_200;
/** AWS's limit on an inline session policy (characters, before packing). */
const MAX_SESSION_POLICY = 2048;
const MAX_POLICY_ARNS = 10;
const MAX_TAGS = 50;

export interface StsOptions {
  roles: RoleLookup;
  issuer: SessionIssuer;
  /** Verifies `WebIdentityToken`s; without it AssumeRoleWithWebIdentity answers InvalidIdentityToken. */
  webIdentity?: WebIdentityVerifier;
  /** Managed policies named by `PolicyArns`; without it any `PolicyArns` is a ValidationError. */
  policies?: PolicyLookup;
  /** @default "000000000000" */
  account?: string;
  /** @default Date.now */
  now?: () => number;
}

const accessDenied = (message: string) => new AwsError("AccessDenied", 403, message);
const malformedPolicy = (message: string) => new AwsError("MalformedPolicyDocument", 400, message);

/** ISO 8601 with `Z` and no fractional seconds: awscli 2.9 (botocore) parses nothing else reliably. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

export function createStsService(options: StsOptions): QueryService {
  const account = options.account ?? "000000000000";
  const now = options.now ?? Date.now;

  function roleArnOf(params: QueryParams): string {
    const arn = params.required("RoleArn");
    if (!/^arn:aws:iam::\d{12}:role\/.+$/.test(arn))
      throw validationError(`1 validation error detected: Value '${arn}' at 'roleArn' is not a role ARN`);
    return arn;
  }

  function sessionName(params: QueryParams): string {
    const name = params.required("RoleSessionName");
    if (!SESSION_NAME.test(name))
      throw validationError(
        `1 validation error detected: Value '${name}' at 'roleSessionName' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    return name;
  }

  function duration(params: QueryParams, role: RoleDefinition, chained: boolean): number {
    const requested = params.integer("DurationSeconds", MIN_DURATION, 43_200) ?? 3600;
    const max = chained ? CHAINED_MAX_DURATION : role.maxSessionDurationSeconds;
    if (requested > max)
      throw validationError(
        chained
          ? `The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.`
          : `The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`,
      );
    return requested;
  }

  /** The inline `Policy` and the `PolicyArns` documents: every one must parse, and they only narrow. */
  async function sessionPolicies(params: QueryParams): Promise<unknown[]> {
    const documents: unknown[] = [];
    const inline = params.get("Policy");
    if (inline !== undefined && inline !== "") {
      if (inline.length > MAX_SESSION_POLICY)
        throw new AwsError(
          "PackedPolicyTooLarge",
          400,
          `The session policy is ${inline.length} characters; the limit is ${MAX_SESSION_POLICY}.`,
        );
      const { policy, issues } = parsePolicy(inline, { kind: "identity" });
      if (policy === undefined) throw malformedPolicy(`Policy: ${formatPolicyIssues(issues)}`);
      documents.push(JSON.parse(inline) as unknown);
    }
    const arns = params.structures("PolicyArns").map((entry) => entry.arn ?? "");
    if (arns.length > MAX_POLICY_ARNS)
      throw validationError(`PolicyArns: at most ${MAX_POLICY_ARNS} managed session policies`);
    for (const arn of arns) {
      if (!/^arn:aws:iam::(\d{12}|aws):policy\/.+$/.test(arn))
        throw validationError(`PolicyArns: '${arn}' is not a policy ARN`);
      const document = await options.policies?.findPolicy(arn);
      if (document === undefined)
        throw validationError(`PolicyArns: the policy ${arn} does not exist or is not attachable.`);
      documents.push(document);
    }
    return documents;
  }

  function sessionTags(params: QueryParams): Record<string, string> {
    const tags = params.tags("Tags");
    const entries = Object.entries(tags);
    if (entries.length > MAX_TAGS) throw validationError(`Tags: at most ${MAX_TAGS} session tags`);
    for (const [key, value] of entries) {
      if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u.test(key))
        throw validationError(`Tags: the key '${key}' is not a valid tag key`);
      if (!/^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u.test(value))
        throw validationError(`Tags: the value of '${key}' is not a valid tag value`);
    }
    return tags;
  }

  function sourceIdentity(params: QueryParams): string | undefined {
    const value = params.get("SourceIdentity");
    if (value === undefined) return undefined;
    if (!SESSION_NAME.test(value))
      throw validationError(
        `1 validation error detected: Value '${value}' at 'sourceIdentity' failed to satisfy constraint: Member must have length between 2 and 64 and satisfy regular expression pattern: [\\w+=,.@-]*`,
      );
    return value;
  }

  function trustPolicy(role: RoleDefinition): Policy {
    const { policy } = parsePolicy(role.trustPolicy, { kind: "trust" });
    // A stored trust policy that no longer parses trusts no one.
    return policy ?? { version: "2012-10-17", statements: [] };
  }

  function requestContext(
    name: string,
    tags: Record<string, string>,
    source: string | undefined,
  ): Record<string, ContextValue> {
    const context: Record<string, ContextValue> = { "sts:RoleSessionName": name };
    for (const [key, value] of Object.entries(tags)) context[`aws:RequestTag/${key}`] = value;
    if (Object.keys(tags).length > 0) context["aws:TagKeys"] = Object.keys(tags);
    if (source !== undefined) context["sts:SourceIdentity"] = source;
    return context;
  }

  const credentialsXml = (issued: IssuedCredentials) =>
    el(
      "Credentials",
      text("AccessKeyId", issued.accessKeyId),
      text("SecretAccessKey", issued.secretAccessKey),
      text("SessionToken", issued.sessionToken),
      text("Expiration", isoSeconds(issued.expiresAt)),
    );

  const assumedRoleXml = (role: RoleDefinition, name: string) =>
    el(
      "AssumedRoleUser",
      text("AssumedRoleId", `${role.roleId}:${name}`),
      text("Arn", `arn:aws:sts::${account}:assumed-role/${role.name}/${name}`),
    );

  const packedSize = (policies: unknown[], tags: Record<string, string>) =>
    Math.min(
      100,
      Math.ceil(
        ((JSON.stringify(policies).length + JSON.stringify(tags).length) * 100) / (MAX_SESSION_POLICY * 2),
      ),
    );

  async function assumeRole(params: QueryParams, caller: QueryCaller): Promise<string> {
    const roleArn = roleArnOf(params);
    const name = sessionName(params);
    const policies = await sessionPolicies(params);
    const tags = sessionTags(params);
    const source = sourceIdentity(params);
    const key = caller.accessKey;
    const denied = () =>
      accessDenied(
        `User: ${key.principalArn} is not authorized to perform: sts:AssumeRole on resource: ${roleArn}`,
      );
    const role = await options.roles.findRole(roleArn);
    if (role === undefined || role.arn !== roleArn) throw denied();
    const durationSeconds = duration(params, role, key.roleArn !== undefined);
    // The trust policy is the role's resource policy: it must have an Allow for the caller. When it names the
    // caller (or the caller's role) that is enough; when it names only the account, the caller's own
    // identity policies must allow sts:AssumeRole too (IAM's same-account rule).
    const trust = trustPolicy(role);
    const context = requestContext(name, tags, source);
    const allowed = (action: string) => {
      const decision = caller.decide(action, role.arn, { resourcePolicy: trust, context });
      const trusted = decision.matchedStatements.some((m) => m.source === "resource" && m.effect === "Allow");
      return decision.decision === "Allow" && trusted;
    };
    if (!allowed("sts:AssumeRole")) throw denied();
    // Session tags need sts:TagSession as well, in the trust policy and (by the same rule) the caller's policies.
    if (Object.keys(tags).length > 0 && !allowed("sts:TagSession"))
      throw accessDenied(
        `User: ${key.principalArn} is not authorized to perform: sts:TagSession on resource: ${roleArn}`,
      );
    const issued = await options.issuer.issue({
      kind: "role",
      role,
      sessionName: name,
      durationSeconds,
      sessionPolicies: policies,
      tags,
      ...(source !== undefined ? { sourceIdentity: source } : {}),
      assumedBy: key.principalArn,
    });
    return (
      credentialsXml(issued) +
      assumedRoleXml(role, name) +
      text("PackedPolicySize", packedSize(policies, tags)) +
      text("SourceIdentity", source)
    );
  }

  async function assumeRoleWithWebIdentity(params: QueryParams): Promise<string> {
    const roleArn = roleArnOf(params);
    const name = sessionName(params);
    const token = params.required("WebIdentityToken");
    const policies = await sessionPolicies(params);
    if (options.webIdentity === undefined)
      throw new AwsError("InvalidIdentityToken", 400, "No OpenIDConnect provider found in your account");
    const identity = await options.webIdentity.verify(token);
    const denied = () => accessDenied("Not authorized to perform sts:AssumeRoleWithWebIdentity");
    const role = await options.roles.findRole(roleArn);
    if (role === undefined || role.arn !== roleArn) throw denied();
    const durationSeconds = duration(params, role, false);
    const prefix = identity.conditionPrefix;
    const context: Record<string, ContextValue> = {
      "sts:RoleSessionName": name,
      [`${prefix}:sub`]: identity.subject,
      [`${prefix}:aud`]: identity.audiences,
      [`${prefix}:iss`]: identity.issuer,
    };
    for (const [claim, value] of Object.entries(identity.claims)) {
      const key = `${prefix}:${claim}`;
      if (key in context) continue;
      if (typeof value === "string" || typeof value === "number" || typeof value === "boolean")
        context[key] = String(value);
    }
    const decision = evaluate(
      {
        principal: { type: "FederatedUser", arn: identity.providerArn, account },
        action: "sts:AssumeRoleWithWebIdentity",
        resource: role.arn,
        context,
      },
      { identityPolicies: [], resourcePolicy: trustPolicy(role), now: new Date(now()) },
    );
    if (decision.decision !== "Allow") throw denied();
    const issued = await options.issuer.issue({
      kind: "role",
      role,
      sessionName: name,
      durationSeconds,
      sessionPolicies: policies,
      tags: {},
      assumedBy: `${identity.providerArn}:${identity.subject}`,
    });
    return (
      credentialsXml(issued) +
      text("SubjectFromWebIdentityToken", identity.subject) +
      assumedRoleXml(role, name) +
      text("PackedPolicySize", packedSize(policies, {})) +
      text("Provider", identity.issuer) +
      text("Audience", identity.audiences[0])
    );
  }

  function getCallerIdentity(caller: QueryCaller): string {
    const key = caller.accessKey;
    const principal = keyPrincipal(key);
    return (
      text("Arn", key.principalArn) +
      text("UserId", key.userId ?? key.accessKeyId) +
      text("Account", principal.account ?? account)
    );
  }

  async function getSessionToken(params: QueryParams, caller: QueryCaller): Promise<string> {
    const key = caller.accessKey;
    const durationSeconds =
      params.integer("DurationSeconds", MIN_DURATION, USER_SESSION_MAX) ?? USER_SESSION_DEFAULT;
    if (key.sessionToken !== undefined || key.sessionTokenSha256 !== undefined || key.roleArn !== undefined)
      throw accessDenied("Cannot call GetSessionToken with session credentials");
    const issued = await options.issuer.issue({ kind: "user", accessKey: key, durationSeconds });
    return credentialsXml(issued);
  }

  return {
    name: "sts",
    xmlns: STS_XMLNS,
    unsignedActions: new Set(["AssumeRoleWithWebIdentity"]),
    async handle(request: QueryRequest): Promise<string | undefined> {
      const { action, params, caller } = request;
      if (action === "AssumeRoleWithWebIdentity") return assumeRoleWithWebIdentity(params);
      if (caller === undefined)
        throw new AwsError("MissingAuthenticationToken", 403, "Request is missing Authentication Token");
      switch (action) {
        case "AssumeRole":
          return assumeRole(params, caller);
        case "GetCallerIdentity":
          return getCallerIdentity(caller);
        case "GetSessionToken":
          return getSessionToken(params, caller);
        default:
          throw invalidAction("sts", action);
      }
    },
  };
}
