/**
 * Fawkes's OIDC issuer: the discovery document, the JWKS, and signed ID tokens. The issuer is the server's
 * public URL (`--public-url`, else the URL it listens on, which is also GO_SERVER_URL).
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import { MAX_TOKEN_LIFETIME_SECONDS, OIDC_ALGORITHM, type SigningKeys } from "./signing-keys.ts";

/** The claims a job's token carries besides the registered ones (job-claims.ts). */
export type JobClaims = Record<string, unknown> & { sub: string };

export const CLAIMS_SUPPORTED = [
  "iss",
  "sub",
  "aud",
  "exp",
  "iat",
  "nbf",
  "jti",
  "pipeline",
  "pipeline_counter",
  "pipeline_label",
  "stage",
  "stage_counter",
  "job",
  "job_run_id",
  "agent",
  "trigger",
  "trigger_user",
  "materials",
  "fetched_artifacts",
] as const;

export interface IssuedToken {
  token: string;
  expiresAt: number;
}

export interface IssuerOptions {
  /** Lifetime of the tokens it signs, in seconds (at most {@link MAX_TOKEN_LIFETIME_SECONDS}). @default 600 */
  tokenLifetimeSeconds: number;
  now: () => number;
}

export class OidcIssuer {
  readonly keys: SigningKeys;
  readonly #issuer: () => string;
  readonly #options: IssuerOptions;

  /** `issuer` is read on each use: the server learns its own URL once it listens. */
  constructor(keys: SigningKeys, issuer: () => string, options: IssuerOptions) {
    if (
      !Number.isInteger(options.tokenLifetimeSeconds) ||
      options.tokenLifetimeSeconds < 60 ||
      options.tokenLifetimeSeconds > MAX_TOKEN_LIFETIME_SECONDS
    )
      throw new Error(
        `the ID token lifetime must be 60–${MAX_TOKEN_LIFETIME_SECONDS} seconds, got ${options.tokenLifetimeSeconds}`,
      );
    this.keys = keys;
    this.#issuer = issuer;
    this.#options = options;
  }

  /** `iss`: the public URL without a trailing slash (verifiers compare it byte for byte). */
  get issuer(): string {
    return this.#issuer().replace(/\/+$/, "");
  }

  discovery(): Record<string, unknown> {
    const issuer = this.issuer;
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/jwks.json`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [OIDC_ALGORITHM],
      claims_supported: [...CLAIMS_SUPPORTED],
      scopes_supported: ["openid"],
    };
  }

  /** Signs `claims` for `audiences` (1..n): `aud` is a string for one audience, an array for more. */
  async sign(claims: JobClaims, audiences: readonly string[]): Promise<IssuedToken> {
    if (audiences.length === 0) throw new Error("an ID token needs at least one audience");
    const { kid, privateKey } = await this.keys.signingKey();
    const issuedAt = Math.floor(this.#options.now() / 1000);
    const expiresAt = issuedAt + this.#options.tokenLifetimeSeconds;
    const token = await new SignJWT({ ...claims })
      .setProtectedHeader({ alg: OIDC_ALGORITHM, kid, typ: "JWT" })
      .setIssuer(this.issuer)
      .setSubject(claims.sub)
      .setAudience(audiences.length === 1 ? audiences[0]! : [...audiences])
      .setIssuedAt(issuedAt)
      .setNotBefore(issuedAt)
      .setExpirationTime(expiresAt)
      .setJti(randomUUID())
      .sign(privateKey);
    return { token, expiresAt: expiresAt * 1000 };
  }
}
