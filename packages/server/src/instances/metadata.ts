/**
 * An instance's own metadata endpoint (IMDSv2, reached inside at `http://127.0.0.1:8155/`): its identity, its
 * identity document's signature (identity.ts) and its instance profile role's credentials — an STS role session
 * named after the instance, issued at launch and renewed before it runs short (clients are served credentials
 * with well over 20 minutes left, which botocore needs).
 */
import type http from "node:http";
import type { IssuedCredentials, RoleDefinition } from "@fawkes/cloud";
import { createMetadataHandler, type MetadataSource } from "@fawkes/protocol/imds";
import type { RoleCredentials } from "@fawkes/protocol";
import { INSTANCE_METADATA_PORT } from "@fawkes/cloud";

/** Sessions last an hour (or the role's maximum if shorter), renewed when under 30 minutes remain. */
export const INSTANCE_SESSION_SECONDS = 3_600;
export const RENEW_BEFORE_MS = 30 * 60_000;
const MAX_BODY_BYTES = 64 * 1024;

export interface InstanceIdentity {
  instanceId: string;
  privateIp: string;
  /** Read on every request: the elastic address can move. */
  publicIp(): string | null;
  imageId: string;
  instanceType: string;
  region: string;
  accountId: string;
  pendingTime: number;
  userData: string | null;
  instanceProfileArn: string | null;
}

/**
 * The role's session for one instance: issued on first use, then reused until under RENEW_BEFORE_MS remain.
 * Concurrent requests share one issue.
 */
export function roleCredentials(
  role: RoleDefinition,
  issue: (role: RoleDefinition, durationSeconds: number) => Promise<IssuedCredentials>,
  now: () => number,
): () => Promise<RoleCredentials> {
  let current: Promise<IssuedCredentials> | undefined;
  const duration = Math.min(INSTANCE_SESSION_SECONDS, role.maxSessionDurationSeconds);
  return async () => {
    let issued = current && (await current.catch(() => undefined));
    if (!issued || issued.expiresAt - now() < Math.min(RENEW_BEFORE_MS, (duration * 1000) / 2)) {
      const next = issue(role, duration);
      current = next;
      issued = await next;
    }
    return {
      roleArn: role.arn,
      roleName: role.name,
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
      expiration: issued.expiresAt,
    };
  };
}

/** A Node handler for `launchInstance`'s `metadata`, serving one instance's IMDS. */
export function instanceMetadataHandler(
  identity: InstanceIdentity,
  credentials: (() => Promise<RoleCredentials>) | null,
  sign: (document: string) => string,
  now: () => number,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  const source: MetadataSource = {
    instanceId: identity.instanceId,
    localIpv4: identity.privateIp,
    get publicIpv4() {
      return identity.publicIp();
    },
    availabilityZone: `${identity.region}a`,
    region: identity.region,
    accountId: identity.accountId,
    instanceType: identity.instanceType,
    imageId: identity.imageId,
    architecture: process.arch === "arm64" ? "arm64" : "x86_64",
    pendingTime: identity.pendingTime,
    userData: identity.userData,
    credentials: async () => (credentials ? credentials() : null),
    identitySignature: sign,
    ...(identity.instanceProfileArn !== null && { instanceProfileArn: identity.instanceProfileArn }),
  };
  const handler = createMetadataHandler(source, {
    allowedHosts: [`127.0.0.1:${INSTANCE_METADATA_PORT}`],
  });
  return (request, response) => {
    let size = 0;
    request.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) request.destroy();
    });
    request.on("error", () => response.destroy());
    request.on("end", () => {
      handler
        .handle(
          { method: request.method ?? "GET", path: request.url ?? "/", headers: request.headers },
          now(),
        )
        .then((answer) => {
          const body = Buffer.from(answer.body);
          response.writeHead(answer.status, {
            ...answer.headers,
            server: "EC2ws",
            "content-length": String(body.length),
          });
          response.end(body);
        })
        .catch(() => response.destroy());
    });
  };
}
