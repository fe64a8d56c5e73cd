/**
 * What the cloud endpoint's STS needs from the server, which owns roles and the OIDC issuer. The server
 * implements these over its database; tests use memory versions.
 */

/** A role as STS and IAM evaluation use it: everything needed to decide AssumeRole and to issue a session. */
export interface RoleDefinition {
  /** `arn:aws:iam::000000000000:role/PATH/NAME`. */
  arn: string;
  name: string;
  /** `/` or `/ci/`. */
  path: string;
  /** `AROA…`: the role's unique id (`UserId` of its sessions is `ROLE-ID:SESSION`). */
  roleId: string;
  /** The trust policy (AssumeRolePolicyDocument), as stored JSON. */
  trustPolicy: unknown;
  /** Inline policy documents, then the documents of attached managed policies. */
  policies: unknown[];
  /** The permissions boundary's document, if the role has one. */
  permissionsBoundary?: unknown;
  /** 3,600–43,200. */
  maxSessionDurationSeconds: number;
  tags: Readonly<Record<string, string>>;
}

export interface RoleLookup {
  /** By name or ARN; undefined when no such role exists. */
  findRole(nameOrArn: string): Promise<RoleDefinition | undefined>;
}

/** A verified OIDC ID token, as AssumeRoleWithWebIdentity's trust-policy conditions see it. */
export interface WebIdentity {
  /** The `iss` claim. */
  issuer: string;
  /**
   * The provider's ARN in trust policies' `Principal.Federated`: `arn:aws:iam::000000000000:oidc-provider/HOST`;
   * for Fawkes's own issuer, `arn:aws:iam::000000000000:oidc-provider/fawkes`.
   */
  providerArn: string;
  /** The prefix of its condition keys: `HOST` (`HOST:sub`, `HOST:aud`), or `fawkes` for Fawkes's own issuer. */
  conditionPrefix: string;
  subject: string;
  audiences: string[];
  expiresAt: number;
  /** Every claim, for session tags and the audit log. */
  claims: Readonly<Record<string, unknown>>;
}

export interface WebIdentityVerifier {
  /**
   * Verifies signature, issuer, expiry and not-before. Throws AwsError `InvalidIdentityToken` (400) for a
   * forged, altered or unknown token and `ExpiredTokenException` (400) for an expired one.
   */
  verify(token: string): Promise<WebIdentity>;
}
