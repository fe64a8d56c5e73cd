/**
 * Temporary credentials: the STS SessionIssuer, the jobs' role sessions, and the lookup the cloud endpoint
 * authenticates `ASIA…` keys with.
 *
 * Revocation is effective on the next request because nothing about a session's liveness is cached: every
 * request reads the session's row (one primary-key read) and the role's current policies (so a policy change
 * applies to live sessions, as in AWS). Only the opened secret is kept in memory, keyed by the sealed value,
 * which never changes; a revoked or expired session is refused before it is used.
 */
import { randomBytes } from "node:crypto";
import {
  type AccessKey,
  type CredentialStore,
  type IssuedCredentials,
  type RoleDefinition,
  type RoleSessionRequest,
  type SessionIssuer,
  type UserSessionRequest,
} from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { LOCAL_ACCOUNT } from "../cloud/access-keys.ts";
import { openSecret, sealSecret, sha256Hex } from "../cloud/secret-box.ts";
import { auditTarget, recordAudit, SYSTEM_ACTOR, type AuditOrigin } from "../services/audit.ts";
import type { Executor } from "../store/executor.ts";
import type { Database } from "../store/schema.ts";
import {
  findStsSession,
  insertStsSession,
  listStsSessions,
  revokeStsSessions,
  sessionStateOf,
  type RevokeTarget,
  type StsSessionRecord,
} from "../store/sts-sessions-repo.ts";

const ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const SECRETS_MAX = 2_000;

/**
 * Roles as the server sees them: the cloud's RoleLookup, plus a lookup inside a lifecycle step's transaction
 * (`db`), which a step must use (the store refuses a second connection inside a step).
 */
export interface RoleDirectory {
  findRole(nameOrArn: string, db?: Executor): Promise<RoleDefinition | undefined>;
  /** Creates a role with one inline policy (the server's own `fawkes-ci`); absent without a roles store. */
  createRole?(input: {
    name: string;
    description: string;
    trustPolicy: unknown;
    policyName: string;
    policy: unknown;
  }): Promise<void>;
}

/** No roles at all: a server without the roles store (and tests that need none). */
export const NO_ROLES: RoleDirectory = { findRole: async () => undefined };

/** A job's session: whose it is, for its tags, its revocation and the job's credentials route. */
export interface JobSessionOwner {
  jobRunId: number;
  leaseId: string;
  agentId: string;
  agentName: string;
  pipeline: string;
  counter: number;
  stage: string;
  job: string;
}

export interface SessionView {
  accessKeyId: string;
  kind: "role" | "user";
  roleArn: string | null;
  sessionName: string;
  principalArn: string;
  tags: Record<string, string>;
  sourceIdentity: string | null;
  assumedBy: string;
  jobRunId: number | null;
  agentId: string | null;
  issuedAt: number;
  expiresAt: number;
  revokedAt: number | null;
}

export const assumedRoleArn = (roleName: string, session: string): string =>
  `arn:aws:sts::${LOCAL_ACCOUNT}:assumed-role/${roleName}/${session}`;

function newSessionKeyId(): string {
  return "ASIA" + [...randomBytes(16)].map((byte) => ID_ALPHABET[byte % 32]).join("");
}

/** A job's session name: `PIPELINE-COUNTER-JOB` cut to AWS's 64 characters and alphabet. */
export function jobSessionName(owner: Pick<JobSessionOwner, "pipeline" | "counter" | "job">): string {
  const name = `${owner.pipeline}-${owner.counter}-${owner.job}`.replace(/[^\w+=,.@-]/g, "-");
  return name.length > 64 ? name.slice(0, 64) : name.padEnd(2, "-");
}

export class Sessions implements SessionIssuer {
  readonly #db: Kysely<Database>;
  readonly #dataKey: Buffer;
  readonly #roles: RoleDirectory;
  readonly #userKeys: CredentialStore;
  readonly #now: () => number;
  readonly #secrets = new Map<string, string>();

  /** `userKeys` finds the long-lived keys GetSessionToken sessions act for. */
  constructor(
    db: Kysely<Database>,
    dataKey: Buffer,
    roles: RoleDirectory,
    userKeys: CredentialStore,
    now: () => number = Date.now,
  ) {
    this.#db = db;
    this.#dataKey = dataKey;
    this.#roles = roles;
    this.#userKeys = userKeys;
    this.#now = now;
  }

  get roles(): RoleDirectory {
    return this.#roles;
  }

  /** What the cloud endpoint authenticates `ASIA…` keys with: live sessions only. */
  readonly store: CredentialStore = { find: (accessKeyId) => this.#find(accessKeyId) };

  /** The STS SessionIssuer: a session owned by the caller. */
  async issue(request: RoleSessionRequest | UserSessionRequest): Promise<IssuedCredentials> {
    const now = this.#now();
    const { credentials, record } = this.#newSession(request, now);
    await this.#db.transaction().execute(async (trx) => {
      await insertStsSession(trx, record);
      await recordAudit(trx, {
        actor: { kind: "user", name: record.assumedBy },
        action: "credentials.assume-role",
        target:
          record.roleName !== null ? auditTarget.role(record.roleName) : auditTarget.accessKey(record.userId),
        details: {
          accessKeyId: record.accessKeyId,
          sessionName: record.sessionName,
          expiresAt: record.expiresAt,
          tags: record.tags,
        },
        at: now,
      });
    });
    return credentials;
  }

  /**
   * Issues a job's role session in the caller's transaction (the lifecycle step that creates the lease), tagged
   * with its pipeline, counter, stage, job and agent.
   */
  async issueForJob(
    db: Executor,
    role: RoleDefinition,
    owner: JobSessionOwner,
    durationSeconds: number,
  ): Promise<IssuedCredentials> {
    const { credentials, record } = this.#newSession(
      {
        kind: "role",
        role,
        sessionName: jobSessionName(owner),
        durationSeconds,
        sessionPolicies: [],
        tags: {
          "fawkes:pipeline": owner.pipeline,
          "fawkes:counter": String(owner.counter),
          "fawkes:stage": owner.stage,
          "fawkes:job": owner.job,
          "fawkes:agent": owner.agentName,
        },
        assumedBy: `job:${owner.jobRunId}`,
      },
      this.#now(),
    );
    await insertStsSession(db, {
      ...record,
      ownerKind: "job",
      jobRunId: owner.jobRunId,
      leaseId: owner.leaseId,
      agentId: owner.agentId,
    });
    await recordAudit(db, {
      actor: SYSTEM_ACTOR,
      action: "credentials.assume-role",
      target: auditTarget.role(role.name),
      details: {
        accessKeyId: record.accessKeyId,
        sessionName: record.sessionName,
        expiresAt: record.expiresAt,
        tags: record.tags,
        jobRunId: owner.jobRunId,
      },
      at: record.issuedAt,
    });
    return credentials;
  }

  /** The newest live session of a job run under `leaseId`, opened; undefined when there is none. */
  async latestJobSession(
    db: Executor,
    jobRunId: number,
    leaseId: string,
  ): Promise<(IssuedCredentials & { record: StsSessionRecord }) | undefined> {
    const record = (await listStsSessions(db, { jobRunId, liveAt: this.#now() })).find(
      (session) => session.leaseId === leaseId,
    );
    if (record === undefined) return undefined;
    return {
      accessKeyId: record.accessKeyId,
      secretAccessKey: this.#secret(record),
      sessionToken: openSecret(this.#dataKey, record.sessionTokenEncrypted, `${record.accessKeyId}:token`),
      expiresAt: record.expiresAt,
      record,
    };
  }

  async list(options: { all?: boolean; role?: string } = {}): Promise<SessionView[]> {
    const roleArn = options.role === undefined ? undefined : await this.#roleArn(options.role);
    const records = await listStsSessions(this.#db, {
      ...(options.all ? {} : { liveAt: this.#now() }),
      ...(roleArn !== undefined ? { roleArn } : {}),
    });
    return records.map(toView);
  }

  /**
   * Revokes one session, a role's sessions or all; effective on the next request. Returns the ids revoked.
   * An unknown session or role is FAWKES_NOT_FOUND and changes nothing.
   */
  async revoke(
    target: { session: string } | { role: string } | { all: true },
    by: AuditOrigin = { actor: SYSTEM_ACTOR },
  ): Promise<string[]> {
    let where: RevokeTarget;
    let audited: string;
    if ("session" in target) {
      if ((await findStsSession(this.#db, target.session)) === undefined)
        throw new FawkesError(ErrorCode.notFound, `no session ${target.session}`);
      where = { accessKeyId: target.session };
      audited = auditTarget.accessKey(target.session);
    } else if ("role" in target) {
      where = { roleArn: await this.#roleArn(target.role) };
      audited = auditTarget.role(target.role);
    } else {
      where = { all: true };
      audited = auditTarget.accessKey("*");
    }
    const now = this.#now();
    const revoked = await this.#db.transaction().execute(async (trx) => {
      const ids = await revokeStsSessions(trx, where, now);
      await recordAudit(trx, {
        ...by,
        action: "credentials.revoke",
        target: audited,
        details: { revoked: ids },
        at: now,
      });
      return ids;
    });
    for (const id of revoked) this.#secrets.delete(id);
    return revoked;
  }

  async #roleArn(nameOrArn: string): Promise<string> {
    const role = await this.#roles.findRole(nameOrArn);
    if (role !== undefined) return role.arn;
    // A deleted role's sessions are dead already; its ARN still names them.
    if (nameOrArn.startsWith("arn:")) return nameOrArn;
    throw new FawkesError(ErrorCode.notFound, `no role ${nameOrArn}`);
  }

  #newSession(
    request: RoleSessionRequest | UserSessionRequest,
    now: number,
  ): { credentials: IssuedCredentials; record: StsSessionRecord } {
    const accessKeyId = newSessionKeyId();
    const secretAccessKey = randomBytes(30).toString("base64");
    // 256 random bits; the token is compared by its hash on every request.
    const sessionToken = randomBytes(32).toString("base64");
    const expiresAt = now + request.durationSeconds * 1000;
    const sealed = {
      accessKeyId,
      secretEncrypted: sealSecret(this.#dataKey, secretAccessKey, accessKeyId),
      sessionTokenEncrypted: sealSecret(this.#dataKey, sessionToken, `${accessKeyId}:token`),
      sessionTokenHash: sha256Hex(sessionToken),
      issuedAt: now,
      expiresAt,
      revokedAt: null,
      ownerKind: "caller" as const,
      jobRunId: null,
      leaseId: null,
      agentId: null,
    };
    const record: StsSessionRecord =
      request.kind === "role"
        ? {
            ...sealed,
            kind: "role",
            roleArn: request.role.arn,
            roleName: request.role.name,
            sessionName: request.sessionName,
            principalArn: assumedRoleArn(request.role.name, request.sessionName),
            userId: `${request.role.roleId}:${request.sessionName}`,
            sourceAccessKeyId: null,
            sessionPolicies: request.sessionPolicies,
            tags: request.tags,
            sourceIdentity: request.sourceIdentity ?? null,
            assumedBy: request.assumedBy,
          }
        : {
            ...sealed,
            kind: "user",
            roleArn: null,
            roleName: null,
            sessionName: request.accessKey.principalArn.split("/").at(-1) ?? "user",
            principalArn: request.accessKey.principalArn,
            userId: request.accessKey.userId ?? request.accessKey.accessKeyId,
            sourceAccessKeyId: request.accessKey.accessKeyId,
            sessionPolicies: [],
            tags: { ...request.accessKey.tags },
            sourceIdentity: null,
            assumedBy: request.accessKey.principalArn,
          };
    return { credentials: { accessKeyId, secretAccessKey, sessionToken, expiresAt }, record };
  }

  #secret(record: StsSessionRecord): string {
    let secret = this.#secrets.get(record.accessKeyId);
    if (secret === undefined) {
      secret = openSecret(this.#dataKey, record.secretEncrypted, record.accessKeyId);
      if (this.#secrets.size >= SECRETS_MAX)
        this.#secrets.delete(this.#secrets.keys().next().value as string);
      this.#secrets.set(record.accessKeyId, secret);
    }
    return secret;
  }

  async #find(accessKeyId: string): Promise<AccessKey | undefined> {
    if (!accessKeyId.startsWith("ASIA")) return undefined;
    const record = await findStsSession(this.#db, accessKeyId);
    if (record === undefined || sessionStateOf(record) !== "active") return undefined;
    const base = {
      accessKeyId,
      secretAccessKey: this.#secret(record),
      sessionTokenSha256: record.sessionTokenHash,
      expiresAt: record.expiresAt,
      principalArn: record.principalArn,
      userId: record.userId,
      ...(record.sessionPolicies.length > 0 ? { sessionPolicies: record.sessionPolicies } : {}),
    };
    if (record.kind === "user") {
      // Acts as the user: the user key's current policies; its deletion ends the session.
      const user =
        record.sourceAccessKeyId === null ? undefined : await this.#userKeys.find(record.sourceAccessKeyId);
      if (user === undefined) return undefined;
      return {
        ...base,
        policies: user.policies,
        ...(user.permissionsBoundary !== undefined ? { permissionsBoundary: user.permissionsBoundary } : {}),
        ...(user.tags !== undefined ? { tags: user.tags } : {}),
      };
    }
    // The role's current policies and boundary; a deleted role's sessions stop working.
    const role = record.roleArn === null ? undefined : await this.#roles.findRole(record.roleArn);
    if (role === undefined) return undefined;
    return {
      ...base,
      roleArn: role.arn,
      policies: role.policies,
      ...(role.permissionsBoundary !== undefined ? { permissionsBoundary: role.permissionsBoundary } : {}),
      // Session tags override the role's tags of the same key (AWS's principal tags).
      tags: { ...role.tags, ...record.tags },
    };
  }
}

function toView(record: StsSessionRecord): SessionView {
  return {
    accessKeyId: record.accessKeyId,
    kind: record.kind,
    roleArn: record.roleArn,
    sessionName: record.sessionName,
    principalArn: record.principalArn,
    tags: record.tags,
    sourceIdentity: record.sourceIdentity,
    assumedBy: record.assumedBy,
    jobRunId: record.jobRunId,
    agentId: record.agentId,
    issuedAt: record.issuedAt,
    expiresAt: record.expiresAt,
    revokedAt: record.revokedAt,
  };
}
