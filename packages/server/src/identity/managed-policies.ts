/**
 * Managed (customer) policies: a named, path-scoped document with an ARN, attachable to roles and usable as a
 * permissions boundary, tagged. A policy has one to five versions (`v1`, `v2`, … never reused); its default
 * version is the one evaluation uses, so changing the default changes what attached roles may do on their next
 * request. As AWS: at most five versions (LimitExceeded), the default cannot be deleted (DeleteConflict), and a
 * policy is deleted only once its non-default versions are (DeleteConflict before).
 */
import type { IamManagedPolicy, IamPolicyVersion, IamRole } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import {
  attachmentCount,
  attachmentCounts,
  boundaryUsageCount,
  deleteManagedPolicyRow,
  deletePolicyVersion,
  findManagedPolicyByName,
  insertManagedPolicy,
  insertPolicyVersion,
  listManagedPolicies,
  policyVersions,
  updateManagedPolicy,
  type ManagedPolicyRecord,
  type PolicyVersionRecord,
} from "../store/managed-policies-repo.ts";
import type { Database } from "../store/schema.ts";
import type { Executor } from "../store/executor.ts";
import { auditTarget } from "../services/audit.ts";
import { auditIam, retag, type AuditOrigin } from "./iam-audit.ts";
import { Problems, iamArn, isUniqueViolation, newEntityId } from "./iam-names.ts";
import { managedPolicyOrThrow, toRole } from "./roles.ts";
import { rolesUsingPolicy } from "../store/roles-repo.ts";

export interface CreatePolicyInput {
  name: string;
  /** @default "/" */
  path?: string | undefined;
  /** JSON text or a parsed identity policy. */
  document: unknown;
  description?: string | undefined;
  tags?: Readonly<Record<string, string>> | undefined;
}

/** AWS's quota of versions per managed policy. */
export const MAX_POLICY_VERSIONS = 5;

export const versionId = (version: number): string => `v${version}`;

/** The number of version id `v3`; ValidationError for anything that is not a version id. */
export function versionNumber(id: string): number {
  const match = /^v([1-9]\d{0,8})$/.exec(id);
  if (match === null)
    throw new FawkesError(
      ErrorCode.validation,
      `versionId: ${JSON.stringify(id)} is not a policy version id (v1, v2, …)`,
      { errors: [{ path: "versionId", message: "must be v1, v2, …" }] },
    );
  return Number(match[1]);
}

const versionNotFound = (arn: string, id: string): FawkesError =>
  new FawkesError(ErrorCode.policyNotFound, `Policy ${arn} version ${id} does not exist.`);

const toVersion = (record: PolicyVersionRecord, defaultVersion: number): IamPolicyVersion => ({
  versionId: versionId(record.version),
  document: record.document,
  isDefaultVersion: record.version === defaultVersion,
  createdAt: record.createdAt,
});

async function toPolicy(
  db: Executor,
  record: ManagedPolicyRecord,
  attached?: number,
): Promise<IamManagedPolicy> {
  return {
    name: record.name,
    path: record.path,
    policyId: record.policyId,
    arn: record.arn,
    description: record.description,
    document: record.document,
    defaultVersionId: versionId(record.defaultVersion),
    tags: record.tags,
    attachmentCount: attached ?? (await attachmentCount(db, record.policyId)),
    permissionsBoundaryUsageCount: await boundaryUsageCount(db, record.arn),
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

export class ManagedPolicies {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  /** `by`: who asked, recorded in the audit log in the change's transaction (iam-audit.ts). */
  async createPolicy(input: CreatePolicyInput, by?: AuditOrigin): Promise<IamManagedPolicy> {
    const problems = new Problems();
    const path = input.path ?? "/";
    problems.name(input.name, "name");
    problems.path(path, "path");
    const document = problems.document(input.document, "document", "identity");
    if (input.description !== undefined && input.description.length > 1000)
      problems.add("description", "at most 1000 characters");
    problems.tags(input.tags ?? {}, "tags");
    problems.throwIfAny("the policy is invalid");
    const now = this.#now();
    const record: ManagedPolicyRecord = {
      policyId: newEntityId("ANPA"),
      name: input.name,
      path,
      arn: iamArn("policy", path, input.name),
      description: input.description ?? null,
      document,
      defaultVersion: 1,
      nextVersion: 2,
      tags: { ...input.tags },
      createdAt: now,
      updatedAt: now,
    };
    const exists = () =>
      new FawkesError(ErrorCode.entityAlreadyExists, `A policy called ${input.name} already exists.`);
    try {
      await this.#db.transaction().execute(async (trx) => {
        if (await findManagedPolicyByName(trx, input.name)) throw exists();
        await insertManagedPolicy(trx, record);
        await auditIam(trx, by, {
          action: "policy.create",
          target: auditTarget.policy(record.name),
          details: { arn: record.arn, tags: record.tags },
          at: record.createdAt,
        });
      });
    } catch (error) {
      throw isUniqueViolation(error) ? exists() : error;
    }
    return toPolicy(this.#db, record, 0);
  }

  /** The ARN of a policy given by ARN or by name (names are case-insensitive); FAWKES_POLICY_NOT_FOUND if none. */
  async arnOf(nameOrArn: string): Promise<string> {
    if (nameOrArn.startsWith("arn:")) return nameOrArn;
    const policy = await findManagedPolicyByName(this.#db, nameOrArn);
    if (policy === undefined)
      throw new FawkesError(ErrorCode.policyNotFound, `no managed policy called ${nameOrArn}`);
    return policy.arn;
  }

  async getPolicy(arn: string): Promise<IamManagedPolicy> {
    return toPolicy(this.#db, await managedPolicyOrThrow(this.#db, arn));
  }

  /**
   * Refused with DeleteConflict while attached to a role, used as a permissions boundary, or holding versions
   * besides the default (AWS: delete those first; the default goes with the policy).
   */
  async deletePolicy(arn: string, by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const policy = await managedPolicyOrThrow(trx, arn);
      if ((await policyVersions(trx, policy.policyId)).length > 1)
        throw new FawkesError(
          ErrorCode.deleteConflict,
          "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
        );
      if ((await attachmentCount(trx, policy.policyId)) > 0)
        throw new FawkesError(ErrorCode.deleteConflict, "Cannot delete a policy attached to entities.");
      if ((await boundaryUsageCount(trx, arn)) > 0)
        throw new FawkesError(
          ErrorCode.deleteConflict,
          "Cannot delete a policy used as a permissions boundary: delete the roles' boundaries first.",
        );
      await deleteManagedPolicyRow(trx, policy.policyId);
      await auditIam(trx, by, {
        action: "policy.delete",
        target: auditTarget.policy(policy.name),
        details: { arn: policy.arn },
        at: this.#now(),
      });
    });
  }

  async listPolicies(
    options: { pathPrefix?: string; onlyAttached?: boolean } = {},
  ): Promise<IamManagedPolicy[]> {
    const counts = await attachmentCounts(this.#db);
    const records = await listManagedPolicies(this.#db, options.pathPrefix);
    const policies = await Promise.all(
      records.map((record) => toPolicy(this.#db, record, counts.get(record.policyId) ?? 0)),
    );
    return options.onlyAttached ? policies.filter((policy) => policy.attachmentCount > 0) : policies;
  }

  /**
   * CreatePolicyVersion: a new version `v<next>`, made the default when `setAsDefault`. LimitExceeded when the
   * policy already has five versions.
   */
  async createPolicyVersion(
    arn: string,
    document: unknown,
    setAsDefault: boolean,
    by?: AuditOrigin,
  ): Promise<IamPolicyVersion> {
    const problems = new Problems();
    const parsed = problems.document(document, "document", "identity");
    problems.throwIfAny("the policy version is invalid");
    return this.#db.transaction().execute(async (trx) => {
      const policy = await managedPolicyOrThrow(trx, arn);
      const versions = await policyVersions(trx, policy.policyId);
      if (versions.length >= MAX_POLICY_VERSIONS)
        throw new FawkesError(
          ErrorCode.limitExceeded,
          `A managed policy can have up to ${MAX_POLICY_VERSIONS} versions. Before you create a new version, you must delete an existing version.`,
        );
      const now = this.#now();
      const version: PolicyVersionRecord = { version: policy.nextVersion, document: parsed, createdAt: now };
      await insertPolicyVersion(trx, policy.policyId, version);
      await updateManagedPolicy(trx, policy.policyId, {
        nextVersion: policy.nextVersion + 1,
        updatedAt: now,
        ...(setAsDefault && { defaultVersion: version.version }),
      });
      await auditIam(trx, by, {
        action: "policy.version.create",
        target: auditTarget.policy(policy.name),
        details: { arn: policy.arn, versionId: versionId(version.version), setAsDefault },
        at: now,
      });
      return toVersion(version, setAsDefault ? version.version : policy.defaultVersion);
    });
  }

  async getPolicyVersion(arn: string, id: string): Promise<IamPolicyVersion> {
    const number = versionNumber(id);
    const policy = await managedPolicyOrThrow(this.#db, arn);
    const version = (await policyVersions(this.#db, policy.policyId)).find((v) => v.version === number);
    if (version === undefined) throw versionNotFound(arn, id);
    return toVersion(version, policy.defaultVersion);
  }

  /** Oldest first. */
  async listPolicyVersions(arn: string): Promise<IamPolicyVersion[]> {
    const policy = await managedPolicyOrThrow(this.#db, arn);
    return (await policyVersions(this.#db, policy.policyId)).map((v) => toVersion(v, policy.defaultVersion));
  }

  /** DeleteConflict for the default version; its id is never given out again. */
  async deletePolicyVersion(arn: string, id: string, by?: AuditOrigin): Promise<void> {
    const number = versionNumber(id);
    await this.#db.transaction().execute(async (trx) => {
      const policy = await managedPolicyOrThrow(trx, arn);
      if (number === policy.defaultVersion)
        throw new FawkesError(ErrorCode.deleteConflict, "Cannot delete the default version of a policy.");
      if (!(await deletePolicyVersion(trx, policy.policyId, number))) throw versionNotFound(arn, id);
      const now = this.#now();
      await updateManagedPolicy(trx, policy.policyId, { updatedAt: now });
      await auditIam(trx, by, {
        action: "policy.version.delete",
        target: auditTarget.policy(policy.name),
        details: { arn: policy.arn, versionId: id },
        at: now,
      });
    });
  }

  /** Makes `id` the version evaluation uses, from the next request on; setting the current default is a no-op. */
  async setDefaultPolicyVersion(arn: string, id: string, by?: AuditOrigin): Promise<void> {
    const number = versionNumber(id);
    await this.#db.transaction().execute(async (trx) => {
      const policy = await managedPolicyOrThrow(trx, arn);
      if (!(await policyVersions(trx, policy.policyId)).some((v) => v.version === number))
        throw versionNotFound(arn, id);
      if (number === policy.defaultVersion) return;
      const now = this.#now();
      await updateManagedPolicy(trx, policy.policyId, { defaultVersion: number, updatedAt: now });
      await auditIam(trx, by, {
        action: "policy.version.default",
        target: auditTarget.policy(policy.name),
        details: { arn: policy.arn, versionId: id, previous: versionId(policy.defaultVersion) },
        at: now,
      });
    });
  }

  /** ListEntitiesForPolicy: the roles it is attached to, and those it is the permissions boundary of. */
  async rolesUsingPolicy(arn: string): Promise<{ attached: IamRole[]; bounded: IamRole[] }> {
    const policy = await managedPolicyOrThrow(this.#db, arn);
    const { attached, bounded } = await rolesUsingPolicy(this.#db, policy);
    return { attached: attached.map(toRole), bounded: bounded.map(toRole) };
  }

  /** TagPolicy / UntagPolicy (iam-audit.ts `retag`). */
  async tagPolicy(arn: string, tags: Readonly<Record<string, string>>, by?: AuditOrigin): Promise<void> {
    await this.#retag(arn, { add: tags }, by);
  }

  async untagPolicy(arn: string, keys: readonly string[], by?: AuditOrigin): Promise<void> {
    await this.#retag(arn, { remove: keys }, by);
  }

  async #retag(arn: string, change: Parameters<typeof retag>[4], by?: AuditOrigin): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const policy = await managedPolicyOrThrow(trx, arn);
      const write = (tags: Record<string, string>) => updateManagedPolicy(trx, policy.policyId, { tags });
      const entity = {
        tags: policy.tags,
        target: auditTarget.policy(policy.name),
        kind: "policy",
        write,
      } as const;
      await retag(trx, by, this.#now(), entity, change);
    });
  }
}
