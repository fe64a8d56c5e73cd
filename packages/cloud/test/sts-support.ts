/** Memory roles, a memory session issuer and an awscli runner with chosen credentials, for the STS tests. */
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type {
  AccessKey,
  CredentialStore,
  IssuedCredentials,
  RoleDefinition,
  RoleLookup,
  SessionIssuer,
} from "@fawkes/cloud";

const AWS = process.env.FAWKES_TEST_AWS ?? (existsSync("/usr/bin/aws") ? "/usr/bin/aws" : "aws");

export const ACCOUNT = "000000000000";

export function role(name: string, trust: unknown, policies: unknown[], max = 3600): RoleDefinition {
  return {
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    name,
    path: "/",
    roleId: `AROA${createHash("sha256").update(name).digest("hex").slice(0, 17).toUpperCase()}`,
    trustPolicy: trust,
    policies,
    maxSessionDurationSeconds: max,
    tags: {},
  };
}

export function memoryRoles(roles: RoleDefinition[]): RoleLookup {
  return {
    findRole: async (nameOrArn) => roles.find((r) => r.arn === nameOrArn || r.name === nameOrArn),
  };
}

/** Issues sessions into a map the endpoint's credential store reads (with `fixed` keys beside them). */
export function memorySessions(fixed: AccessKey[], now: () => number = Date.now) {
  const sessions = new Map<string, AccessKey>();
  const issued: Parameters<SessionIssuer["issue"]>[0][] = [];
  const issuer: SessionIssuer = {
    async issue(request): Promise<IssuedCredentials> {
      issued.push(request);
      const accessKeyId = "ASIA" + randomBytes(8).toString("hex").toUpperCase();
      const secretAccessKey = randomBytes(30).toString("base64");
      const sessionToken = randomBytes(32).toString("base64");
      const expiresAt = now() + request.durationSeconds * 1000;
      const key: AccessKey =
        request.kind === "role"
          ? {
              accessKeyId,
              secretAccessKey,
              sessionTokenSha256: createHash("sha256").update(sessionToken).digest("hex"),
              expiresAt,
              principalArn: `arn:aws:sts::${ACCOUNT}:assumed-role/${request.role.name}/${request.sessionName}`,
              roleArn: request.role.arn,
              userId: `${request.role.roleId}:${request.sessionName}`,
              policies: request.role.policies,
              sessionPolicies: request.sessionPolicies,
              tags: request.tags,
            }
          : {
              ...request.accessKey,
              accessKeyId,
              secretAccessKey,
              sessionTokenSha256: createHash("sha256").update(sessionToken).digest("hex"),
              expiresAt,
            };
      sessions.set(accessKeyId, key);
      return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
    },
  };
  const store: CredentialStore = {
    find: async (id) => fixed.find((k) => k.accessKeyId === id) ?? sessions.get(id),
  };
  return { issuer, store, sessions, issued };
}

export interface CliCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs Debian's `aws` against `endpoint` with `credentials`; resolves with the exit code (never rejects). */
export function aws(endpoint: string, home: string, credentials: CliCredentials) {
  return (...args: string[]) =>
    new Promise<CliResult>((resolve) => {
      execFile(
        AWS,
        ["--endpoint-url", endpoint, ...args],
        {
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: home,
            AWS_ACCESS_KEY_ID: credentials.accessKeyId,
            AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
            ...(credentials.sessionToken ? { AWS_SESSION_TOKEN: credentials.sessionToken } : {}),
            AWS_DEFAULT_REGION: "us-east-1",
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_CONFIG_FILE: join(home, "config"),
            AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
          },
        },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
}
