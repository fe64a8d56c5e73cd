/** Fawkes's OIDC issuer: signing keys, discovery, job ID tokens, and the verifier the local STS uses. */
import type { ArtifactStore } from "../../artifacts/index.ts";
import type { ReadContext } from "../../engine/context.ts";
import type { Executor } from "../../store/executor.ts";
import type { JobRunRecord } from "../../store/records.ts";
import { OidcIssuer, type IssuedToken } from "./issuer.ts";
import { jobClaims } from "./job-claims.ts";
import { SigningKeys } from "./signing-keys.ts";
import { fawkesWebIdentityVerifier } from "./verifier.ts";
import { AwsError, type WebIdentityVerifier } from "@fawkes/cloud";

export { OidcIssuer, CLAIMS_SUPPORTED, type IssuedToken, type JobClaims } from "./issuer.ts";
export { jobSubject, type FetchedArtifactClaim } from "./job-claims.ts";
export {
  SigningKeys,
  MAX_TOKEN_LIFETIME_SECONDS,
  OIDC_ALGORITHM,
  type SigningKeyInfo,
} from "./signing-keys.ts";
export { fawkesWebIdentityVerifier, FAWKES_PROVIDER_ARN, FAWKES_CONDITION_PREFIX } from "./verifier.ts";

export interface OidcOptions {
  db: Executor;
  dataKey: Buffer;
  artifacts: ArtifactStore;
  /** The issuer URL (the server's public URL), read on each use. */
  issuer: () => string;
  rotationDays: number;
  tokenLifetimeSeconds: number;
  now: () => number;
}

/** The issuer with what it needs to sign a job's token. */
export class JobIdTokens {
  readonly issuer: OidcIssuer;
  /** For the cloud endpoint's STS (AssumeRoleWithWebIdentity). */
  readonly verifier: WebIdentityVerifier;
  readonly #artifacts: ArtifactStore;

  constructor(options: OidcOptions) {
    const keys = new SigningKeys(options.db, options.dataKey, {
      rotationDays: options.rotationDays,
      now: options.now,
    });
    this.issuer = new OidcIssuer(keys, options.issuer, {
      tokenLifetimeSeconds: options.tokenLifetimeSeconds,
      now: options.now,
    });
    this.verifier = fawkesWebIdentityVerifier(this.issuer, options.now);
    this.#artifacts = options.artifacts;
  }

  /** A token for `job` (its claims as of now) with the given audiences. */
  async tokenFor(ctx: ReadContext, job: JobRunRecord, audiences: readonly string[]): Promise<IssuedToken> {
    return this.issuer.sign(await jobClaims(ctx, this.#artifacts, job), audiences);
  }
}

/**
 * The verifier to hand the cloud endpoint's STS (AssumeRoleWithWebIdentity). startServer starts the cloud
 * endpoint before the engine, and so before the issuer exists: this one looks the issuer up on each call
 * (`() => engine.ctx.oidc`). Without an issuer every token is `InvalidIdentityToken`.
 */
export function fawkesWebIdentityVerifierOf(issuer: () => JobIdTokens | undefined): WebIdentityVerifier {
  return {
    verify(token: string) {
      const tokens = issuer();
      if (!tokens)
        return Promise.reject(new AwsError("InvalidIdentityToken", 400, "This server runs no OIDC issuer."));
      return tokens.verifier.verify(token);
    },
  };
}
