/**
 * Instance profiles: the container that hands one role to a machine (an agent, a phoenix instance), as EC2's
 * do. A profile holds at most one role; putting a role in one is handing it over, so the caller needs
 * `iam:PassRole` on it.
 */
import type { IamInstanceProfile, IamRole } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { auditTarget } from "../services/audit.ts";
import type { Executor } from "../store/executor.ts";
import {
  deleteInstanceProfileRow,
  findInstanceProfileByName,
  insertInstanceProfile,
  instanceProfilesOfRole,
  listInstanceProfiles,
  setInstanceProfileRole,
  setInstanceProfileTags,
  type InstanceProfileRecord,
} from "../store/instance-profiles-repo.ts";
import { findRoleById } from "../store/roles-repo.ts";
import type { Database } from "../store/schema.ts";
import { auditIam, retag, type AuditOrigin } from "./iam-audit.ts";
import { Problems, iamArn, isUniqueViolation, newEntityId } from "./iam-names.ts";
import { assertCanPassRole, roleOrThrow, toRole, type RolePasser } from "./roles.ts";

export interface CreateInstanceProfileInput {
  name: string;
  /** @default "/" */
  path?: string | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
}

async function profileOrThrow(db: Executor, name: string): Promise<InstanceProfileRecord> {
  const profile = await findInstanceProfileByName(db, name);
  if (profile === undefined)
    throw new FawkesError(ErrorCode.instanceProfileNotFound, `Instance Profile ${name} cannot be found.`);
  return profile;
}

async function toProfile(db: Executor, record: InstanceProfileRecord): Promise<IamInstanceProfile> {
  const role = record.roleId === null ? undefined : await findRoleById(db, record.roleId);
  const roles: IamRole[] = role ? [toRole(role)] : [];
  return {
    name: record.name,
    path: record.path,
    instanceProfileId: record.instanceProfileId,
    arn: record.arn,
    roles,
    tags: record.tags,
    createdAt: record.createdAt,
  };
}

export class InstanceProfiles {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** `by`: who asked, recorded in the audit log in the change's transaction (iam-audit.ts). */
  async createInstanceProfile(
    input: CreateInstanceProfileInput,
    by?: AuditOrigin,
  ): Promise<IamInstanceProfile> {
    const problems = new Problems();
    const path = input.path ?? "/";
    problems.name(input.name, "name");
    problems.path(path, "path");
    problems.tags(input.tags ?? {}, "tags");
    problems.throwIfAny("the instance profile is invalid");
    const record: InstanceProfileRecord = {
      instanceProfileId: newEntityId("AIPA"),
      name: input.name,
      path,
      arn: iamArn("instance-profile", path, input.name),
      tags: { ...input.tags },
      roleId: null,
      createdAt: this.#now(),
    };
    const exists = () =>
      new FawkesError(ErrorCode.entityAlreadyExists, `Instance Profile ${input.name} already exists.`);
    try {
      await this.#db.transaction().execute(async (trx) => {
        if (await findInstanceProfileByName(trx, input.name)) throw exists();
        await insertInstanceProfile(trx, record);
        await auditIam(trx, by, {
          action: "instance-profile.create",
          target: auditTarget.instanceProfile(record.name),
          details: { arn: record.arn, tags: record.tags },
          at: record.createdAt,
        });
      });
    } catch (error) {
      throw isUniqueViolation(error) ? exists() : error;
    }
    return toProfile(this.#db, record);
  }

  async getInstanceProfile(name: string): Promise<IamInstanceProfile> {
    return toProfile(this.#db, await profileOrThrow(this.#db, name));
  }

  /** Refused with DeleteConflict while the profile holds a role. */
  async deleteInstanceProfile(name: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const profile = await profileOrThrow(trx, name);
      if (profile.roleId !== null)
        throw new FawkesError(
          ErrorCode.deleteConflict,
          "Cannot delete entity, must remove roles from instance profile first.",
        );
      await deleteInstanceProfileRow(trx, profile.instanceProfileId);
      await auditIam(trx, by, {
        action: "instance-profile.delete",
        target: auditTarget.instanceProfile(profile.name),
        details: { arn: profile.arn },
        at: this.#now(),
      });
    });
  }

  async listInstanceProfiles(pathPrefix?: string): Promise<IamInstanceProfile[]> {
    const records = await listInstanceProfiles(this.#db, pathPrefix);
    return Promise.all(records.map((record) => toProfile(this.#db, record)));
  }

  /** LimitExceeded when the profile already holds a role; `passedBy` needs iam:PassRole on the role. */
  async addRoleToInstanceProfile(
    profileName: string,
    roleName: string,
    passedBy: RolePasser,
    by?: AuditOrigin,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const profile = await profileOrThrow(trx, profileName);
      const role = await roleOrThrow(trx, roleName);
      assertCanPassRole(passedBy, role.arn);
      if (profile.roleId !== null)
        throw new FawkesError(
          ErrorCode.limitExceeded,
          `Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1 (${profileName} already has a role).`,
        );
      await setInstanceProfileRole(trx, profile.instanceProfileId, role.roleId);
      await auditIam(trx, by, {
        action: "instance-profile.role.add",
        target: auditTarget.instanceProfile(profile.name),
        details: { role: role.name, roleArn: role.arn },
        at: this.#now(),
      });
    });
  }

  async removeRoleFromInstanceProfile(
    profileName: string,
    roleName: string,
    by?: AuditOrigin,
  ): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const profile = await profileOrThrow(trx, profileName);
      const role = await roleOrThrow(trx, roleName);
      if (profile.roleId !== role.roleId)
        throw new FawkesError(
          ErrorCode.roleNotFound,
          `The role with name ${roleName} cannot be found in instance profile ${profileName}.`,
        );
      await setInstanceProfileRole(trx, profile.instanceProfileId, null);
      await auditIam(trx, by, {
        action: "instance-profile.role.remove",
        target: auditTarget.instanceProfile(profile.name),
        details: { role: role.name, roleArn: role.arn },
        at: this.#now(),
      });
    });
  }

  async listInstanceProfilesForRole(roleName: string): Promise<IamInstanceProfile[]> {
    const role = await roleOrThrow(this.#db, roleName);
    const records = await instanceProfilesOfRole(this.#db, role.roleId);
    return Promise.all(records.map((record) => toProfile(this.#db, record)));
  }

  /** TagInstanceProfile / UntagInstanceProfile (iam-audit.ts `retag`). */
  async tagInstanceProfile(
    name: string,
    tags: Readonly<Record<string, string>>,
    by?: AuditOrigin,
  ): Promise<void> {
    await this.#retag(name, { add: tags }, by);
  }

  async untagInstanceProfile(name: string, keys: readonly string[], by?: AuditOrigin): Promise<void> {
    await this.#retag(name, { remove: keys }, by);
  }

  async #retag(name: string, change: Parameters<typeof retag>[4], by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const profile = await profileOrThrow(trx, name);
      const write = (tags: Record<string, string>) =>
        setInstanceProfileTags(trx, profile.instanceProfileId, tags);
      const target = auditTarget.instanceProfile(profile.name);
      await retag(
        trx,
        by,
        this.#now(),
        { tags: profile.tags, target, kind: "instance-profile", write },
        change,
      );
    });
  }
}
