import { createHash, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from "node:crypto";
import { AwsError } from "../aws-error.ts";
import type { AccessKey, CredentialStore } from "../credentials.ts";
import {
  canonicalHeaders,
  canonicalQuery,
  canonicalRequest,
  normalisedUri,
  type QueryParam,
} from "./canonical.ts";

export const ALGORITHM = "AWS4-HMAC-SHA256";
const MAX_SKEW_MS = 15 * 60 * 1000;
const MAX_PRESIGN_SECONDS = 7 * 24 * 3600;

/** The parts of a request SigV4 covers, taken raw from the wire. */
export interface SignedRequest {
  method: string;
  rawPath: string;
  query: QueryParam[];
  headers: Map<string, string[]>;
}

/** Where the signature lives and what it claims, before any key lookup. */
export interface SignatureClaim {
  presigned: boolean;
  accessKeyId: string;
  date: string; // yyyymmdd of the scope
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
  amzDate: string;
  expiresSeconds?: number;
  securityToken?: string;
}

/** A verified request: who signed it, and what the body decoders need to check chunk signatures. */
export interface AuthContext {
  accessKey: AccessKey;
  service: string;
  region: string;
  scope: string;
  amzDate: string;
  /** A KeyObject: createHmac with a raw Buffer key re-imports it each time (~40 µs, a chunk of a small PUT). */
  signingKey: KeyObject;
  seedSignature: string;
  /** The x-amz-content-sha256 value that was signed (hex, UNSIGNED-PAYLOAD or a STREAMING-* mode). */
  payloadHash: string;
  presigned: boolean;
}

export function header(headers: Map<string, string[]>, name: string): string | undefined {
  const values = headers.get(name);
  return values === undefined ? undefined : values.join(",");
}

function queryValue(query: readonly QueryParam[], name: string): string | undefined {
  return query.find((p) => p.name === name)?.value;
}

const malformed = (message: string) => new AwsError("AuthorizationHeaderMalformed", 400, message);
const queryError = (message: string) => new AwsError("AuthorizationQueryParametersError", 400, message);

/** Reads the claimed credential scope, or undefined for an anonymous request. Throws on a malformed one. */
export function readClaim(request: SignedRequest): SignatureClaim | undefined {
  const authorization = header(request.headers, "authorization");
  if (authorization !== undefined) {
    if (!authorization.startsWith(ALGORITHM + " "))
      throw new AwsError(
        "InvalidRequest",
        400,
        "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
      );
    const fields = new Map<string, string>();
    for (const part of authorization.slice(ALGORITHM.length + 1).split(",")) {
      const eq = part.indexOf("=");
      if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
    }
    const credential = fields.get("Credential");
    const signedHeaders = fields.get("SignedHeaders");
    const signature = fields.get("Signature");
    if (!credential || !signedHeaders || !signature)
      throw malformed(
        "The authorization header is malformed; missing Credential, SignedHeaders or Signature.",
      );
    const amzDate = header(request.headers, "x-amz-date") ?? header(request.headers, "date");
    if (amzDate === undefined)
      throw new AwsError(
        "AccessDenied",
        403,
        "AWS authentication requires a valid Date or x-amz-date header",
      );
    return {
      presigned: false,
      ...parseCredential(credential, malformed),
      signedHeaders: signedHeaders.split(";"),
      signature,
      amzDate,
      securityToken: header(request.headers, "x-amz-security-token"),
    };
  }
  const algorithm = queryValue(request.query, "X-Amz-Algorithm");
  if (algorithm === undefined) return undefined;
  if (algorithm !== ALGORITHM) throw queryError(`X-Amz-Algorithm only supports "${ALGORITHM}"`);
  const credential = queryValue(request.query, "X-Amz-Credential");
  const signedHeaders = queryValue(request.query, "X-Amz-SignedHeaders");
  const signature = queryValue(request.query, "X-Amz-Signature");
  const amzDate = queryValue(request.query, "X-Amz-Date");
  const expires = Number(queryValue(request.query, "X-Amz-Expires"));
  if (!credential || !signedHeaders || !signature || !amzDate)
    throw queryError(
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date, X-Amz-SignedHeaders, and X-Amz-Expires parameters.",
    );
  if (!Number.isInteger(expires) || expires < 0) throw queryError("X-Amz-Expires should be a number");
  if (expires > MAX_PRESIGN_SECONDS)
    throw queryError(
      "X-Amz-Expires must be less than a week (in seconds) that is; the maximum expires is 604800 seconds",
    );
  return {
    presigned: true,
    ...parseCredential(credential, queryError),
    signedHeaders: signedHeaders.split(";"),
    signature,
    amzDate,
    expiresSeconds: expires,
    securityToken: queryValue(request.query, "X-Amz-Security-Token"),
  };
}

function parseCredential(credential: string, fail: (message: string) => AwsError) {
  const parts = credential.split("/");
  if (parts.length !== 5 || parts[4] !== "aws4_request" || !/^\d{8}$/.test(parts[1]!))
    throw fail(
      `The authorization header is malformed; the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".`,
    );
  return { accessKeyId: parts[0]!, date: parts[1]!, region: parts[2]!, service: parts[3]! };
}

/** Parses yyyymmddThhmmssZ (or an RFC 1123 Date header) to epoch ms. */
export function parseAmzDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  return Date.parse(value);
}

export function formatAmzDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
}

export function hmac(key: Buffer | string | KeyObject, data: string): Buffer {
  return createHmac("sha256", key).update(data, "utf8").digest();
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

const signingKeys = new Map<string, KeyObject>();

/**
 * The derived key for one day, region and service. Four HMACs per request were a fifth of a small PUT's CPU,
 * and the key only changes daily, so derived keys are cached (in memory only, bounded).
 */
export function signingKey(secret: string, date: string, region: string, service: string): KeyObject {
  const id = `${date}\n${region}\n${service}\n${secret}`;
  let key = signingKeys.get(id);
  if (key === undefined) {
    key = createSecretKey(hmac(hmac(hmac(hmac("AWS4" + secret, date), region), service), "aws4_request"));
    if (signingKeys.size >= 1024) signingKeys.clear();
    signingKeys.set(id, key);
  }
  return key;
}

const bytes = (text: string) =>
  Array.from(Buffer.from(text, "utf8"), (b) => b.toString(16).padStart(2, "0")).join(" ");

/**
 * Verifies the request's signature (header or presigned) and returns who signed it.
 * Throws AwsError with S3's codes: InvalidAccessKeyId, SignatureDoesNotMatch, RequestTimeTooSkewed, …
 */
export async function authenticate(
  request: SignedRequest,
  claim: SignatureClaim,
  credentials: CredentialStore,
  options: {
    region: string;
    now: number;
    /** SHA-256 (hex) of a body already read (Query services): what the signature must cover. */
    bodyHash?: string;
  },
): Promise<AuthContext> {
  const fail = claim.presigned ? queryError : malformed;
  const requestTime = parseAmzDate(claim.amzDate);
  if (!Number.isFinite(requestTime))
    throw new AwsError("AccessDenied", 403, "AWS authentication requires a valid Date or x-amz-date header");
  if (claim.amzDate.slice(0, 8) !== claim.date)
    throw fail(
      `Invalid credential date "${claim.date}". This date is not the same as X-Amz-Date: "${claim.amzDate.slice(0, 8)}".`,
    );
  if (claim.region !== options.region)
    throw new AwsError(
      claim.presigned ? "AuthorizationQueryParametersError" : "AuthorizationHeaderMalformed",
      400,
      `The authorization header is malformed; the region '${claim.region}' is wrong; expecting '${options.region}'`,
      { Region: options.region },
    );
  if (!claim.signedHeaders.includes("host"))
    throw fail("The authorization header is malformed; SignedHeaders must include host.");

  if (claim.presigned) {
    const expiresAt = requestTime + (claim.expiresSeconds ?? 0) * 1000;
    if (options.now > expiresAt)
      throw new AwsError("AccessDenied", 403, "Request has expired", {
        "X-Amz-Expires": String(claim.expiresSeconds),
        Expires: new Date(expiresAt).toISOString(),
        ServerTime: new Date(options.now).toISOString(),
      });
    if (requestTime - options.now > MAX_SKEW_MS)
      throw new AwsError("AccessDenied", 403, "Request is not valid yet");
  } else if (Math.abs(options.now - requestTime) > MAX_SKEW_MS) {
    throw new AwsError(
      "RequestTimeTooSkewed",
      403,
      "The difference between the request time and the current time is too large.",
      {
        RequestTime: claim.amzDate,
        ServerTime: new Date(options.now).toISOString(),
        MaxAllowedSkewMilliseconds: String(MAX_SKEW_MS),
      },
    );
  }

  // S3 has its own codes for a bad key or token; every other service (STS, IAM…) answers InvalidClientTokenId.
  const s3 = claim.service === "s3";
  const invalidToken = () =>
    s3
      ? new AwsError("InvalidToken", 400, "The provided token is malformed or otherwise invalid.")
      : new AwsError("InvalidClientTokenId", 403, "The security token included in the request is invalid.");
  const accessKey = await credentials.find(claim.accessKeyId);
  if (accessKey === undefined)
    throw s3
      ? new AwsError(
          "InvalidAccessKeyId",
          403,
          "The AWS Access Key Id you provided does not exist in our records.",
          {
            AWSAccessKeyId: claim.accessKeyId,
          },
        )
      : new AwsError("InvalidClientTokenId", 403, "The security token included in the request is invalid.");
  if (accessKey.expiresAt !== undefined && options.now >= accessKey.expiresAt)
    throw new AwsError(
      "ExpiredToken",
      400,
      s3 ? "The provided token has expired." : "The security token included in the request is expired",
    );
  if (!sessionTokenMatches(accessKey, claim.securityToken)) throw invalidToken();

  const contentSha = header(request.headers, "x-amz-content-sha256");
  let payloadHash: string;
  if (options.bodyHash !== undefined) {
    if (contentSha !== undefined && contentSha !== options.bodyHash)
      throw new AwsError(
        "XAmzContentSHA256Mismatch",
        400,
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
      );
    payloadHash = options.bodyHash;
  } else if (claim.presigned) payloadHash = contentSha ?? "UNSIGNED-PAYLOAD";
  else if (contentSha !== undefined) payloadHash = contentSha;
  else
    throw new AwsError(
      "InvalidRequest",
      400,
      "Missing required header for this request: x-amz-content-sha256",
    );

  const canonical = canonicalRequest({
    method: request.method,
    canonicalUri: claim.service === "s3" ? request.rawPath : normalisedUri(request.rawPath),
    canonicalQuery: canonicalQuery(request.query, claim.presigned ? "X-Amz-Signature" : undefined),
    canonicalHeaders: canonicalHeaders(request.headers, claim.signedHeaders),
    signedHeaders: claim.signedHeaders.join(";"),
    payloadHash,
  });
  const scope = `${claim.date}/${claim.region}/${claim.service}/aws4_request`;
  const stringToSign = `${ALGORITHM}\n${claim.amzDate}\n${scope}\n${sha256Hex(canonical)}`;
  const key = signingKey(accessKey.secretAccessKey, claim.date, claim.region, claim.service);
  const expected = hmac(key, stringToSign).toString("hex");
  if (!sameHex(expected, claim.signature))
    throw new AwsError(
      "SignatureDoesNotMatch",
      403,
      "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      {
        AWSAccessKeyId: claim.accessKeyId,
        StringToSign: stringToSign,
        SignatureProvided: claim.signature,
        StringToSignBytes: bytes(stringToSign),
        CanonicalRequest: canonical,
        CanonicalRequestBytes: bytes(canonical),
      },
    );
  return {
    accessKey,
    service: claim.service,
    region: claim.region,
    scope,
    amzDate: claim.amzDate,
    signingKey: key,
    seedSignature: expected,
    payloadHash,
    presigned: claim.presigned,
  };
}

function sessionTokenMatches(key: AccessKey, token: string | undefined): boolean {
  if (key.sessionTokenSha256 !== undefined)
    return token !== undefined && sameHex(sha256Hex(token), key.sessionTokenSha256);
  if (key.sessionToken !== undefined) return token !== undefined && sameHex(token, key.sessionToken);
  return token === undefined;
}

export function sameHex(a: string, b: string): boolean {
  const x = Buffer.from(a, "utf8");
  const y = Buffer.from(b, "utf8");
  return x.length === y.length && timingSafeEqual(x, y);
}
