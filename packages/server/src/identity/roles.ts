/**
 * IAM roles: create, read, change and delete them with their trust policy, inline policies, attached managed
 * policies, permissions boundary and tags; `RoleLookup` for STS (everything AssumeRole needs in one read);
 * and `assertCanPassRole`, the `iam:PassRole` check made whenever a role is handed to something (an instance
 * profile, an agent, a stack). Used by the REST API and, through `iamStore` (iam-store.ts), the IAM Query API.
 */
import {
  decideForKey,
  type AccessKey,
  type IamRole,
  type RoleDefinition,
  type RoleLookup,
} from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { auditTarget } from "../services/audit.ts";
import type { Executor } from "../store/executor.ts";
import { findInstanceProfileByName } from "../store/instance-profiles-repo.ts";
import {
  attachPolicy,
  attachedPolicies,
  detachPolicy,
  findManagedPolicyByArn,
} from "../store/managed-policies-repo.ts";
import {
  deleteRolePolicy,
  deleteRoleRow,
  findRoleById,
  findRoleByName,
  findRolePolicy,
  insertRole,
  listRolePolicies,
  listRoles,
  putRolePolicy,
  roleUsage,
  updateRole,
  type RoleRecord,
} from "../store/roles-repo.ts";
import type { Database } from "../store/schema.ts";
import {
  MAX_SESSION_SECONDS,
  MIN_SESSION_SECONDS,
  Problems,
  iamArn,
  isUniqueViolation,
  nameInArn,
  newEntityId,
} from "./iam-names.ts";
import { auditIam, retag, type AuditOrigin } from "./iam-audit.ts";

export interface CreateRoleInput {
  name: string;
  /** @default "/" */
  path?: string | undefined;
  /** JSON text or a parsed document. */
  trustPolicy: unknown;
  description?: string | undefined;
  /** @default 3600 */
  maxSessionDurationSeconds?: number | undefined;
  permissionsBoundaryArn?: string | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
}

/** Who hands a role over: an access key (IAM API, STS), or a user, agent or the server itself (REST, config). */
export type RolePasser = AccessKey | { kind: "user" | "agent" | "system"; name: string };

/**
 * Throws FAWKES_FORBIDDEN unless `who` may pass `roleArn` to `service` (`iam:PassRole`, with
 * `iam:PassedToService` in the request context). An access key is decided by its policies, boundary and session
 * policies, as every other action; a user of the REST API (one administrator until users and RBAC exist) and the
 * server itself may; an agent may not.
 */
export function assertCanPassRole(who: RolePasser, roleArn: string, service = "ec2.amazonaws.com"): void {
  if ("accessKeyId" in who) {
    const result = decideForKey(who, {
      action: "iam:PassRole",
      resource: roleArn,
      context: { "iam:PassedToService": service },
    });
    if (result.decision === "Allow") return;
    throw new FawkesError(
      ErrorCode.forbidden,
      `User: ${who.principalArn} is not authorized to perform: iam:PassRole on resource: ${roleArn}`,
    );
  }
  if (who.kind === "agent")
    throw new FawkesError(ErrorCode.forbidden, `agent ${who.name} may not pass role ${roleArn}`);
}

export const roleNotFound = (name: string): FawkesError =>
  new FawkesError(ErrorCode.roleNotFound, `The role with name ${name} cannot be found.`);

/** A stored role as the IAM API and REST see it. */
export const toRole = (record: RoleRecord): IamRole => ({
  name: record.name,
  path: record.path,
  roleId: record.roleId,
  arn: record.arn,
  trustPolicy: record.trustPolicy,
  description: record.description,
  maxSessionDurationSeconds: record.maxSessionDurationSeconds,
  permissionsBoundaryArn: record.permissionsBoundaryArn,
  tags: record.tags,
  createdAt: record.createdAt,
});

/** A role by name, or FAWKES_ROLE_NOT_FOUND. */
export async function roleOrThrow(db: Executor, name: string): Promise<RoleRecord> {
  const role = await findRoleByName(db, name);
  if (role === undefined) throw roleNotFound(name);
  return role;
}

/** A managed policy by ARN, or FAWKES_POLICY_NOT_FOUND. */
export async function managedPolicyOrThrow(db: Executor, arn: string) {
  const policy = await findManagedPolicyByArn(db, arn);
  if (policy === undefined)
    throw new FawkesError(ErrorCode.policyNotFound, `Policy ${arn} does not exist or is not attachable.`);
  return policy;
}

export class Roles implements RoleLookup {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** Every change takes `by`, who asked: recorded in the audit log in the change's transaction (iam-audit.ts). */
  async createRole(input: CreateRoleInput, by?: AuditOrigin): Promise<IamRole> {
    const problems = new Problems();
    const path = input.path ?? "/";
    problems.name(input.name, "name", "role");
    problems.path(path, "path");
    const trustPolicy = problems.document(input.trustPolicy, "trustPolicy", "trust");
    const maxSession = input.maxSessionDurationSeconds ?? MIN_SESSION_SECONDS;
    if (!Number.isInteger(maxSession) || maxSession < MIN_SESSION_SECONDS || maxSession > MAX_SESSION_SECONDS)
      problems.add(
        "maxSessionDurationSeconds",
        `must be a whole number of seconds from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS}`,
      );
    if (input.description !== undefined && input.description.length > 1000)
      problems.add("description", "at most 1000 characters");
    problems.tags(input.tags ?? {}, "tags");
    problems.throwIfAny("the role is invalid");
    const record: RoleRecord = {
      roleId: newEntityId("AROA"),
      name: input.name,
      path,
      arn: iamArn("role", path, input.name),
      trustPolicy,
      description: input.description ?? null,
      maxSessionDurationSeconds: maxSession,
      permissionsBoundaryArn: input.permissionsBoundaryArn ?? null,
      tags: { ...input.tags },
      createdAt: this.#now(),
    };
    try {
      await this.#db.transaction().execute(async (trx) => {
        if (await findRoleByName(trx, input.name)) throw roleExists(input.name);
        if (input.permissionsBoundaryArn !== undefined)
          await managedPolicyOrThrow(trx, input.permissionsBoundaryArn);
        await insertRole(trx, record);
        await auditIam(trx, by, {
          action: "role.create",
          target: auditTarget.role(record.name),
          details: {
            arn: record.arn,
            permissionsBoundaryArn: record.permissionsBoundaryArn,
            tags: record.tags,
          },
          at: record.createdAt,
        });
      });
    } catch (error) {
      throw isUniqueViolation(error) ? roleExists(input.name) : error;
    }
    return toRole(record);
  }

  async getRole(name: string): Promise<IamRole> {
    return toRole(await roleOrThrow(this.#db, name));
  }

  async listRoles(pathPrefix?: string): Promise<IamRole[]> {
    return (await listRoles(this.#db, pathPrefix)).map(toRole);
  }

  /** Refused with DeleteConflict while the role has inline or attached policies or is in an instance profile. */
  async deleteRole(name: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, name);
      const usage = await roleUsage(trx, role.roleId);
      const conflict =
        usage.inlinePolicies > 0
          ? "Cannot delete entity, must delete policies first."
          : usage.attachedPolicies > 0
            ? "Cannot delete entity, must detach all policies first."
            : usage.instanceProfiles > 0
              ? "Cannot delete entity, must remove roles from instance profile first."
              : undefined;
      if (conflict !== undefined) throw new FawkesError(ErrorCode.deleteConflict, conflict);
      await deleteRoleRow(trx, role.roleId);
      await auditIam(trx, by, {
        action: "role.delete",
        target: auditTarget.role(role.name),
        details: { arn: role.arn },
        at: this.#now(),
      });
    });
  }

  async updateTrustPolicy(name: string, document: unknown, by?: AuditOrigin): Promise<void> {
    const problems = new Problems();
    const trustPolicy = problems.document(document, "trustPolicy", "trust");
    problems.throwIfAny("the trust policy is invalid");
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, name);
      await updateRole(trx, role.roleId, { trustPolicy });
      await auditIam(trx, by, {
        action: "role.trust.update",
        target: auditTarget.role(role.name),
        details: { arn: role.arn },
        at: this.#now(),
      });
    });
  }

  async putRolePolicy(
    roleName: string,
    policyName: string,
    document: unknown,
    by?: AuditOrigin,
  ): Promise<void> {
    const problems = new Problems();
    problems.name(policyName, "policyName");
    const policy = problems.document(document, "document", "identity");
    problems.throwIfAny("the policy is invalid");
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      await putRolePolicy(trx, role.roleId, policyName, policy);
      await auditIam(trx, by, {
        action: "role.policy.put",
        target: auditTarget.role(role.name),
        details: { policyName },
        at: this.#now(),
      });
    });
  }

  async getRolePolicy(roleName: string, policyName: string): Promise<unknown> {
    const role = await roleOrThrow(this.#db, roleName);
    const policy = await findRolePolicy(this.#db, role.roleId, policyName);
    if (policy === undefined) throw inlineNotFound(roleName, policyName);
    return policy.document;
  }

  async deleteRolePolicy(roleName: string, policyName: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      if (!(await deleteRolePolicy(trx, role.roleId, policyName))) throw inlineNotFound(roleName, policyName);
      await auditIam(trx, by, {
        action: "role.policy.delete",
        target: auditTarget.role(role.name),
        details: { policyName },
        at: this.#now(),
      });
    });
  }

  async listRolePolicies(roleName: string): Promise<string[]> {
    const role = await roleOrThrow(this.#db, roleName);
    return (await listRolePolicies(this.#db, role.roleId)).map((policy) => policy.name);
  }

  /** The role's inline policies with their documents, by name. */
  async rolePolicyDocuments(roleName: string): Promise<{ name: string; document: unknown }[]> {
    const role = await roleOrThrow(this.#db, roleName);
    return listRolePolicies(this.#db, role.roleId);
  }

  async attachRolePolicy(roleName: string, policyArn: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      const policy = await managedPolicyOrThrow(trx, policyArn);
      await attachPolicy(trx, role.roleId, policy.policyId);
      await auditIam(trx, by, {
        action: "role.policy.attach",
        target: auditTarget.role(role.name),
        details: { policyArn: policy.arn },
        at: this.#now(),
      });
    });
  }

  async detachRolePolicy(roleName: string, policyArn: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      const policy = await managedPolicyOrThrow(trx, policyArn);
      if (!(await detachPolicy(trx, role.roleId, policy.policyId)))
        throw new FawkesError(
          ErrorCode.policyNotFound,
          `Policy ${policyArn} was not found attached to ${roleName}.`,
        );
      await auditIam(trx, by, {
        action: "role.policy.detach",
        target: auditTarget.role(role.name),
        details: { policyArn: policy.arn },
        at: this.#now(),
      });
    });
  }

  async listAttachedRolePolicies(roleName: string): Promise<{ name: string; arn: string }[]> {
    const role = await roleOrThrow(this.#db, roleName);
    return (await attachedPolicies(this.#db, role.roleId)).map(({ name, arn }) => ({ name, arn }));
  }

  async putRolePermissionsBoundary(roleName: string, policyArn: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      await managedPolicyOrThrow(trx, policyArn);
      await updateRole(trx, role.roleId, { permissionsBoundaryArn: policyArn });
      await auditIam(trx, by, {
        action: "role.boundary.put",
        target: auditTarget.role(role.name),
        details: { policyArn, previous: role.permissionsBoundaryArn },
        at: this.#now(),
      });
    });
  }

  /** A role without a boundary is left as it is (and nothing is recorded). */
  async deleteRolePermissionsBoundary(roleName: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      if (role.permissionsBoundaryArn === null) return;
      await updateRole(trx, role.roleId, { permissionsBoundaryArn: null });
      await auditIam(trx, by, {
        action: "role.boundary.delete",
        target: auditTarget.role(role.name),
        details: { previous: role.permissionsBoundaryArn },
        at: this.#now(),
      });
    });
  }

  /** TagRole / UntagRole (iam-audit.ts `retag`). */
  async tagRole(roleName: string, tags: Readonly<Record<string, string>>, by?: AuditOrigin): Promise<void> {
    await this.#retag(roleName, { add: tags }, by);
  }

  async untagRole(roleName: string, keys: readonly string[], by?: AuditOrigin): Promise<void> {
    await this.#retag(roleName, { remove: keys }, by);
  }

  async #retag(roleName: string, change: Parameters<typeof retag>[4], by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      const write = (tags: Record<string, string>) => updateRole(trx, role.roleId, { tags });
      const entity = { tags: role.tags, target: auditTarget.role(role.name), kind: "role", write } as const;
      await retag(trx, by, this.#now(), entity, change);
    });
  }

  /**
   * UpdateRole / UpdateRoleDescription: the description and the maximum session duration (3,600–43,200 s),
   * which STS applies to the next AssumeRole. Returns the role as changed; a no-op change is not recorded.
   * A `null` description removes it (a stack's role whose template no longer sets one).
   */
  async updateRole(
    roleName: string,
    update: { description?: string | null | undefined; maxSessionDurationSeconds?: number | undefined },
    by?: AuditOrigin,
  ): Promise<IamRole> {
    const problems = new Problems();
    const maxSession = update.maxSessionDurationSeconds;
    if (
      maxSession !== undefined &&
      (!Number.isInteger(maxSession) || maxSession < MIN_SESSION_SECONDS || maxSession > MAX_SESSION_SECONDS)
    )
      problems.add(
        "maxSessionDurationSeconds",
        `must be a whole number of seconds from ${MIN_SESSION_SECONDS} to ${MAX_SESSION_SECONDS}`,
      );
    if (typeof update.description === "string" && update.description.length > 1000)
      problems.add("description", "at most 1000 characters");
    problems.throwIfAny("the role update is invalid");
    return this.#db.transaction().execute(async (trx) => {
      const role = await roleOrThrow(trx, roleName);
      const changes = {
        ...(update.description !== undefined &&
          (update.description ?? "") !== (role.description ?? "") && { description: update.description }),
        ...(update.description === null && role.description === "" && { description: null }),
        ...(maxSession !== undefined &&
          maxSession !== role.maxSessionDurationSeconds && { maxSessionDurationSeconds: maxSession }),
      };
      if (Object.keys(changes).length === 0) return toRole(role);
      await updateRole(trx, role.roleId, changes);
      await auditIam(trx, by, {
        action: "role.update",
        target: auditTarget.role(role.name),
        details: changes,
        at: this.#now(),
      });
      return toRole({ ...role, ...changes });
    });
  }

  /** RoleLookup: by name or ARN (path included), with every document STS needs. */
  /** `db`: the caller's transaction (a lifecycle step's, the only connection there is inside a step). */
  async findRole(nameOrArn: string, db?: Executor): Promise<RoleDefinition | undefined> {
    const name = nameOrArn.startsWith("arn:") ? nameInArn("role", nameOrArn) : nameOrArn;
    if (name === undefined) return undefined;
    const read = async (trx: Executor): Promise<RoleDefinition | undefined> => {
      const role = await findRoleByName(trx, name);
      if (role === undefined || (nameOrArn.startsWith("arn:") && role.arn !== nameOrArn)) return undefined;
      const inline = await listRolePolicies(trx, role.roleId);
      const managed = await attachedPolicies(trx, role.roleId);
      const boundary =
        role.permissionsBoundaryArn === null
          ? undefined
          : await findManagedPolicyByArn(trx, role.permissionsBoundaryArn);
      return {
        arn: role.arn,
        name: role.name,
        path: role.path,
        roleId: role.roleId,
        trustPolicy: role.trustPolicy,
        policies: [...inline.map((p) => p.document), ...managed.map((p) => p.document)],
        // A boundary whose policy is gone allows nothing (fail closed), as decideForKey treats a bad one.
        ...(role.permissionsBoundaryArn !== null && {
          permissionsBoundary: boundary?.document ?? { Version: "2012-10-17", Statement: [] },
        }),
        maxSessionDurationSeconds: role.maxSessionDurationSeconds,
        tags: role.tags,
      };
    };
    return db !== undefined ? read(db) : this.#db.transaction().execute(read);
  }

  /** The role an instance profile holds, for whoever boots with it (phoenix instances). */
  async roleOfInstanceProfile(profileName: string): Promise<RoleDefinition | undefined> {
    const profile = await findInstanceProfileByName(this.#db, profileName);
    if (profile?.roleId == null) return undefined;
    const role = await findRoleById(this.#db, profile.roleId);
    return role && this.findRole(role.arn);
  }
}

const roleExists = (name: string): FawkesError =>
  new FawkesError(ErrorCode.entityAlreadyExists, `Role with name ${name} already exists.`);

const inlineNotFound = (roleName: string, policyName: string): FawkesError =>
  new FawkesError(
    ErrorCode.policyNotFound,
    `The role policy with name ${policyName} cannot be found on role ${roleName}.`,
  );
