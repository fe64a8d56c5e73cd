/**
 * What the cloud endpoint's STS needs from the server to mint temporary credentials. The server implements it
 * over its database (server/src/identity/sessions.ts); tests use a memory version.
 */
import type { AccessKey } from "../credentials.ts";
import type { RoleDefinition } from "../identity.ts";

/** A role session: AssumeRole or AssumeRoleWithWebIdentity, already allowed by the role's trust policy. */
export interface RoleSessionRequest {
  kind: "role";
  role: RoleDefinition;
  /** 2–64 characters of `[\w+=,.@-]`; the session ARN is `arn:aws:sts::ACCOUNT:assumed-role/ROLE/SESSION`. */
  sessionName: string;
  /** 900 up to the role's maximum session duration. */
  durationSeconds: number;
  /** Session policies (the `Policy` document, then each `PolicyArns` document): they can only narrow. */
  sessionPolicies: unknown[];
  /** Session tags: `aws:PrincipalTag/KEY` for the session's requests. */
  tags: Record<string, string>;
  sourceIdentity?: string;
  /** Who assumed the role: the caller's principal ARN, or `PROVIDER-ARN:SUBJECT` for a web identity. */
  assumedBy: string;
}

/** GetSessionToken: temporary credentials acting as the user whose long-lived key called it. */
export interface UserSessionRequest {
  kind: "user";
  accessKey: AccessKey;
  durationSeconds: number;
}

export interface IssuedCredentials {
  /** `ASIA…`. */
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** Epoch ms. */
  expiresAt: number;
}

export interface SessionIssuer {
  issue(request: RoleSessionRequest | UserSessionRequest): Promise<IssuedCredentials>;
}

/** Resolves a managed policy's ARN (`PolicyArns.member.N.arn`) to its document; undefined when unknown. */
export interface PolicyLookup {
  findPolicy(arn: string): Promise<unknown>;
}
