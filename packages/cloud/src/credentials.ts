/** An access key the cloud endpoint accepts; the secret is needed in clear to recompute SigV4 signatures. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /**
   * Who the key acts as: `arn:aws:iam::000000000000:user/admin`, or for temporary credentials of an
   * assumed role `arn:aws:sts::000000000000:assumed-role/ROLE/SESSION`.
   */
  principalArn: string;
  /** IAM JSON policy documents attached to the principal (a role's inline and managed policies). */
  policies: unknown[];
  /** Epoch ms after which the key is refused with ExpiredToken (temporary credentials). */
  expiresAt?: number;
  /** Required as x-amz-security-token when set (temporary credentials). */
  sessionToken?: string;
  /**
   * SHA-256 (hex) of the session token, for stores that keep only the hash: the request's
   * x-amz-security-token must hash to it. Either this or `sessionToken`, never both.
   */
  sessionTokenSha256?: string;
  /** For an assumed-role session: the role's ARN, which resource policies may name as the principal. */
  roleArn?: string;
  /** `AROA…:SESSION` or `AIDA…`: `aws:userid` and GetCallerIdentity's UserId. */
  userId?: string;
  /** Session policies given to AssumeRole/GetSessionToken: they can only narrow what `policies` allow. */
  sessionPolicies?: unknown[];
  /** The principal's permissions boundary: it caps what `policies` allow. */
  permissionsBoundary?: unknown;
  /** Session and principal tags: `aws:PrincipalTag/KEY` in conditions. */
  tags?: Readonly<Record<string, string>>;
}

/** Looks access keys up by id; the server backs it with its database. */
export interface CredentialStore {
  find(accessKeyId: string): Promise<AccessKey | undefined>;
}

/** A fixed set of keys, for tests and for embedding. */
export function memoryCredentialStore(keys: readonly AccessKey[]): CredentialStore {
  const byId = new Map(keys.map((k) => [k.accessKeyId, k]));
  return { find: async (id) => byId.get(id) };
}
