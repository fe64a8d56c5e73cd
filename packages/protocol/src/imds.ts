/**
 * An instance metadata endpoint compatible with EC2's IMDSv2 (`HttpTokens: required`), as a pure handler: the
 * agent serves one per running job over node:http, and the cloud endpoint will serve one per phoenix instance.
 * Isomorphic (no node:*): the caller does the I/O and passes the clock.
 *
 * What EC2 does, and so what this does:
 * - `PUT /latest/api/token` with `X-aws-ec2-metadata-token-ttl-seconds: 1..21600` returns a token (text) and
 *   echoes the TTL header; a missing or bad TTL is 400 (botocore then gives up rather than fall back to IMDSv1);
 *   a PUT carrying `X-Forwarded-For` is 403 (a token is never handed out through a proxy).
 * - Every GET needs a valid, unexpired `X-aws-ec2-metadata-token`: 401 without one. There is no IMDSv1
 *   fallback (EC2's `HttpTokens: required`), so a request forged from a web page or an SSRF cannot read it.
 * - Documents are `text/plain`, JSON documents too; times are ISO 8601 with `Z` and no fractional seconds
 *   (botocore parses `Expiration` with `%Y-%m-%dT%H:%M:%SZ`).
 * - A trailing slash on a leaf is accepted (awscli asks for `placement/availability-zone/`).
 */
import type { RoleCredentials } from "./agent-wire.ts";

/** What one consumer's endpoint tells about it. */
export interface MetadataSource {
  /** `i-` and 17 hex digits. */
  readonly instanceId: string;
  readonly localIpv4: string;
  /** `null`: no public address (`public-ipv4` is 404, as on EC2). */
  readonly publicIpv4: string | null;
  /** e.g. `us-east-1a`; awscli takes the region from it (minus the last letter). */
  readonly availabilityZone: string;
  readonly region: string;
  /** 12 digits. */
  readonly accountId: string;
  readonly instanceType: string;
  /** `ami-` and hex digits. */
  readonly imageId: string;
  /** `x86_64` or `arm64`, as in the identity document. */
  readonly architecture: string;
  /** When the consumer started (epoch ms): `pendingTime` of the identity document. */
  readonly pendingTime: number;
  /** `null`: none (`/latest/user-data` is 404). */
  readonly userData: string | null;
  /**
   * The role's current credentials, `null` without a role. May throw when they cannot be had (then the
   * credentials paths answer 500 and clients retry later).
   */
  credentials(): Promise<RoleCredentials | null>;
  /**
   * Signs the identity document (its exact text): served at `dynamic/instance-identity/signature`, so a
   * process inside can prove which instance it runs on (`fawkes signal` does, as `cfn-signal` needs no keys).
   * Absent: no signature path.
   */
  identitySignature?(document: string): string;
  /** The instance profile's ARN for `iam/info` (a phoenix instance's). Absent: one named after the role (a job's). */
  readonly instanceProfileArn?: string;
}

export interface MetadataRequest {
  readonly method: string;
  /** The request target's path (a query string is ignored). */
  readonly path: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

export interface MetadataResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface MetadataHandlerOptions {
  /**
   * `Host` header values accepted (e.g. `127.0.0.1:PORT`): anything else is 403, so a web page whose DNS name
   * was rebound to the loopback address cannot read the endpoint. @default any host
   */
  readonly allowedHosts?: readonly string[];
  /** Tokens kept at once; the oldest are forgotten past it (a client asks for a new one anyway). @default 4096 */
  readonly maxTokens?: number;
}

export interface MetadataHandler {
  handle(request: MetadataRequest, now: number): Promise<MetadataResponse>;
}

/** The IMDSv2 headers, in the case EC2 and the clients spell them (HTTP header names are case-insensitive). */
export const MetadataHeader = {
  token: "x-aws-ec2-metadata-token",
  ttl: "x-aws-ec2-metadata-token-ttl-seconds",
} as const;

/** Longest token lifetime EC2 grants: 6 hours. */
export const MAX_TOKEN_TTL_SECONDS = 21_600;

/** The variable that keeps AWS clients (awscli, the SDKs) from probing the EC2 metadata address. */
export const METADATA_DISABLED = "AWS_EC2_METADATA_DISABLED";
/** The variable that points AWS clients at a metadata endpoint (awscli 2.9 needs its trailing `/`). */
export const METADATA_ENDPOINT = "AWS_EC2_METADATA_SERVICE_ENDPOINT";

/**
 * The environment for a process Fawkes starts that has no metadata endpoint of its own: the clients in it are
 * told not to look for one (or they probe 169.254.169.254, an off-box address, with a 1 s timeout), and an
 * endpoint inherited from the parent is dropped.
 */
export function withoutMetadata<T extends string | undefined>(
  env: Readonly<Record<string, T>>,
): Record<string, T> {
  const result: Record<string, T> = { ...env };
  delete result[METADATA_ENDPOINT];
  delete result.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE;
  result[METADATA_DISABLED] = "true" as T;
  return result;
}

/** The environment for a process that has the metadata endpoint at `url` (`http://127.0.0.1:PORT/`). */
export function withMetadataEndpoint<T extends string | undefined>(
  env: Readonly<Record<string, T>>,
  url: string,
): Record<string, T> {
  const result: Record<string, T> = { ...env };
  delete result[METADATA_DISABLED];
  delete result.AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE;
  result[METADATA_ENDPOINT] = (url.endsWith("/") ? url : `${url}/`) as T;
  return result;
}

/** `2026-12-07T14:50:30Z`: ISO 8601, UTC, whole seconds. */
export function metadataTime(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(".000Z", "Z");
}

const textPlain = { "content-type": "text/plain" } as const;
const statusText: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  500: "Internal Server Error",
};

/** EC2's error pages are small HTML documents. */
function failure(status: number, extra: Record<string, string> = {}): MetadataResponse {
  const text = `${status} - ${statusText[status] ?? "Error"}`;
  const body =
    `<?xml version="1.0" encoding="iso-8859-1"?>\n<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"\n` +
    `\t"http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">\n<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">\n` +
    ` <head>\n  <title>${text}</title>\n </head>\n <body>\n  <h1>${text}</h1>\n </body>\n</html>\n`;
  return { status, headers: { "content-type": "text/html", ...extra }, body };
}

function header(request: MetadataRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function randomToken(): string {
  const bytes = new Uint8Array(32);
  globalThis.crypto.getRandomValues(bytes);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  // base64url without padding: header-safe, 43 characters.
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A stable id of `AIPA` and 17 characters for a role's instance profile (EC2's `InstanceProfileId`). */
function instanceProfileId(roleArn: string): string {
  // FNV-1a over the ARN with three seeds (6 characters each): stable, not secret.
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let id = "AIPA";
  for (const seed of [0x811c9dc5, 0x050c5d1f, 0x1b873593]) {
    let hash = seed;
    for (let i = 0; i < roleArn.length; i++) hash = Math.imul(hash ^ roleArn.charCodeAt(i), 0x01000193) >>> 0;
    for (let i = 0; i < 6; i++) id += alphabet[(hash >>> (i * 5)) & 31];
  }
  return id.slice(0, 21);
}

/** The path with percent escapes decoded (a role name may come as `ci%40x`); undecodable stays as it is. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** Lines of a listing: entries that hold more end in `/`. */
function listing(entries: readonly string[]): MetadataResponse {
  return { status: 200, headers: { ...textPlain }, body: entries.join("\n") };
}

function text(body: string): MetadataResponse {
  return { status: 200, headers: { ...textPlain }, body };
}

/**
 * A metadata endpoint over `source`. It keeps the tokens it issued (in memory, per handler: a token of one
 * consumer's endpoint is worthless at another's) and when it first saw each set of credentials (their
 * `LastUpdated`).
 */
export function createMetadataHandler(
  source: MetadataSource,
  options: MetadataHandlerOptions = {},
): MetadataHandler {
  const maxTokens = options.maxTokens ?? 4096;
  const allowedHosts = options.allowedHosts ? new Set(options.allowedHosts) : undefined;
  /** token → expiry (epoch ms), in issue order (a Map keeps insertion order). */
  const tokens = new Map<string, number>();
  let seen: { accessKeyId: string; at: number } | undefined;

  const issueToken = (request: MetadataRequest, now: number): MetadataResponse => {
    if (header(request, "x-forwarded-for") !== undefined) return failure(403);
    const ttlText = header(request, MetadataHeader.ttl);
    if (ttlText === undefined || !/^\d{1,5}$/.test(ttlText.trim())) return failure(400);
    const ttl = Number(ttlText.trim());
    if (ttl < 1 || ttl > MAX_TOKEN_TTL_SECONDS) return failure(400);
    for (const [token, expiry] of tokens) {
      if (expiry <= now || tokens.size >= maxTokens) tokens.delete(token);
      else break;
    }
    // Expired tokens further on (a shorter TTL issued later) go when their turn comes or on use.
    const token = randomToken();
    tokens.set(token, now + ttl * 1000);
    return { status: 200, headers: { ...textPlain, [MetadataHeader.ttl]: String(ttl) }, body: token };
  };

  /** Seconds the request's token has left, or undefined when it has none that is valid. */
  const tokenSecondsLeft = (request: MetadataRequest, now: number): number | undefined => {
    const token = header(request, MetadataHeader.token);
    if (token === undefined) return undefined;
    const expiry = tokens.get(token.trim());
    if (expiry === undefined) return undefined;
    if (expiry <= now) {
      tokens.delete(token.trim());
      return undefined;
    }
    return Math.ceil((expiry - now) / 1000);
  };

  const credentialsDocument = (credentials: RoleCredentials, now: number): MetadataResponse => {
    if (seen?.accessKeyId !== credentials.accessKeyId)
      seen = { accessKeyId: credentials.accessKeyId, at: now };
    const document = {
      Code: "Success",
      LastUpdated: metadataTime(seen.at),
      Type: "AWS-HMAC",
      AccessKeyId: credentials.accessKeyId,
      SecretAccessKey: credentials.secretAccessKey,
      Token: credentials.sessionToken,
      Expiration: metadataTime(credentials.expiration),
    };
    return text(JSON.stringify(document, null, 2));
  };

  const identityDocument = (): MetadataResponse =>
    text(
      JSON.stringify(
        {
          accountId: source.accountId,
          architecture: source.architecture,
          availabilityZone: source.availabilityZone,
          billingProducts: null,
          devpayProductCodes: null,
          marketplaceProductCodes: null,
          imageId: source.imageId,
          instanceId: source.instanceId,
          instanceType: source.instanceType,
          kernelId: null,
          pendingTime: metadataTime(source.pendingTime),
          privateIp: source.localIpv4,
          ramdiskId: null,
          region: source.region,
          version: "2017-09-30",
        },
        null,
        2,
      ),
    );

  /** The answer for a GET of `path` (no trailing slash, except the listings'). */
  const read = async (path: string, now: number): Promise<MetadataResponse> => {
    const leaf = path.length > 1 && path.endsWith("/") ? path.slice(0, -1) : path;
    switch (leaf) {
      case "":
      case "/":
        return listing(["latest"]);
      case "/latest":
        return listing(["dynamic", "meta-data", ...(source.userData === null ? [] : ["user-data"])]);
      case "/latest/user-data":
        return source.userData === null ? failure(404) : text(source.userData);
      case "/latest/dynamic":
        return listing(["instance-identity/"]);
      case "/latest/dynamic/instance-identity":
        return listing(["document", ...(source.identitySignature ? ["signature"] : [])]);
      case "/latest/dynamic/instance-identity/document":
        return identityDocument();
      case "/latest/dynamic/instance-identity/signature":
        return source.identitySignature
          ? text(source.identitySignature(identityDocument().body))
          : failure(404);
      case "/latest/meta-data": {
        // The listing does not depend on the server answering: without credentials now, no `iam/`.
        const role = await source.credentials().catch(() => null);
        return listing([
          "ami-id",
          ...(role ? ["iam/"] : []),
          "instance-id",
          "instance-type",
          "local-ipv4",
          "placement/",
          ...(source.publicIpv4 === null ? [] : ["public-ipv4"]),
        ]);
      }
      case "/latest/meta-data/ami-id":
        return text(source.imageId);
      case "/latest/meta-data/instance-id":
        return text(source.instanceId);
      case "/latest/meta-data/instance-type":
        return text(source.instanceType);
      case "/latest/meta-data/local-ipv4":
        return text(source.localIpv4);
      case "/latest/meta-data/public-ipv4":
        return source.publicIpv4 === null ? failure(404) : text(source.publicIpv4);
      case "/latest/meta-data/placement":
        return listing(["availability-zone", "region"]);
      case "/latest/meta-data/placement/availability-zone":
        return text(source.availabilityZone);
      case "/latest/meta-data/placement/region":
        return text(source.region);
    }
    if (!leaf.startsWith("/latest/meta-data/iam")) return failure(404);
    const role = await source.credentials();
    if (role === null) return failure(404);
    switch (leaf) {
      case "/latest/meta-data/iam":
        return listing(["info", "security-credentials/"]);
      case "/latest/meta-data/iam/info":
        return text(
          JSON.stringify(
            {
              Code: "Success",
              LastUpdated: metadataTime(seen?.accessKeyId === role.accessKeyId ? seen.at : now),
              InstanceProfileArn:
                source.instanceProfileArn ?? role.roleArn.replace(/:role\/(?:.*\/)?/, ":instance-profile/"),
              InstanceProfileId: instanceProfileId(role.roleArn),
            },
            null,
            2,
          ),
        );
      case "/latest/meta-data/iam/security-credentials":
        return listing([role.roleName]);
      case `/latest/meta-data/iam/security-credentials/${role.roleName}`:
        return credentialsDocument(role, now);
    }
    return failure(404);
  };

  return {
    async handle(request, now) {
      if (allowedHosts && !allowedHosts.has(header(request, "host") ?? "")) return failure(403);
      const path = decodePath(request.path.split("?", 1)[0] ?? "");
      if (path === "/latest/api/token") {
        if (request.method !== "PUT") return failure(405, { allow: "PUT" });
        return issueToken(request, now);
      }
      if (request.method !== "GET" && request.method !== "HEAD") return failure(405, { allow: "GET" });
      const secondsLeft = tokenSecondsLeft(request, now);
      if (secondsLeft === undefined) return failure(401);
      let response: MetadataResponse;
      try {
        response = await read(path, now);
      } catch {
        response = failure(500);
      }
      return {
        ...response,
        headers: { ...response.headers, [MetadataHeader.ttl]: String(secondsLeft) },
        body: request.method === "HEAD" ? "" : response.body,
      };
    },
  };
}
