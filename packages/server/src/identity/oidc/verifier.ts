/**
 * Verifies ID tokens of Fawkes's own issuer for the cloud endpoint's STS (AssumeRoleWithWebIdentity): the
 * signature against the keys of the JWKS, the issuer, the expiry and not-before (with a small clock tolerance)
 * and that an audience is present. Trust policies then match `fawkes:sub` and `fawkes:aud`.
 *
 * Tokens of other issuers (IAM `CreateOpenIDConnectProvider`) are not verified here.
 */
import { AwsError, type WebIdentity, type WebIdentityVerifier } from "@fawkes/cloud";
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload } from "jose";
import type { OidcIssuer } from "./issuer.ts";
import { OIDC_ALGORITHM } from "./signing-keys.ts";

export const FAWKES_PROVIDER_ARN = "arn:aws:iam::000000000000:oidc-provider/fawkes";
export const FAWKES_CONDITION_PREFIX = "fawkes";
/** Seconds of clock skew accepted on `exp`, `nbf` and `iat`. */
export const CLOCK_TOLERANCE_SECONDS = 30;

const invalid = (message: string, cause?: unknown): AwsError =>
  new AwsError("InvalidIdentityToken", 400, message, {}, { cause });

export function fawkesWebIdentityVerifier(issuer: OidcIssuer, now: () => number): WebIdentityVerifier {
  return {
    async verify(token: string): Promise<WebIdentity> {
      if (typeof token !== "string" || token.length === 0 || token.length > 20_000)
        throw invalid("The web identity token is missing or too long.");
      const keys = createLocalJWKSet(await issuer.keys.jwks());
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer: issuer.issuer,
          algorithms: [OIDC_ALGORITHM],
          clockTolerance: CLOCK_TOLERANCE_SECONDS,
          currentDate: new Date(now()),
          requiredClaims: ["sub", "aud", "exp", "iat"],
        }));
      } catch (error) {
        if (error instanceof errors.JWTExpired)
          throw new AwsError(
            "ExpiredTokenException",
            400,
            "Token expired: the web identity token has expired.",
            {},
            {
              cause: error,
            },
          );
        if (error instanceof errors.JWTClaimValidationFailed && error.claim === "iss")
          throw invalid("Token issuer is not Fawkes's OIDC issuer.", error);
        if (error instanceof errors.JWTClaimValidationFailed)
          throw invalid(`Token claim ${error.claim} is not valid: ${error.reason}.`, error);
        throw invalid(
          "Token signature is not valid, or the token is malformed or signed with an unknown key.",
          error,
        );
      }
      const audiences = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter(
        (aud): aud is string => typeof aud === "string" && aud.length > 0,
      );
      if (audiences.length === 0) throw invalid("Token has no audience.");
      return {
        issuer: issuer.issuer,
        providerArn: FAWKES_PROVIDER_ARN,
        conditionPrefix: FAWKES_CONDITION_PREFIX,
        subject: String(payload.sub),
        audiences,
        expiresAt: (payload.exp ?? 0) * 1000,
        claims: payload,
      };
    },
  };
}
