/** An access key the cloud endpoint accepts; the secret is needed in clear to recompute SigV4 signatures. */
export interface AccessKey {
  accessKeyId: string;
  secretAccessKey: string;
  /** Who the key acts as, e.g. `arn:aws:iam::000000000000:user/admin`. */
  principalArn: string;
  /** IAM JSON policy documents attached to the principal. */
  policies: unknown[];
  /** Epoch ms after which the key is refused with ExpiredToken (temporary credentials). */
  expiresAt?: number;
  /** Required as x-amz-security-token when set (temporary credentials). */
  sessionToken?: string;
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
