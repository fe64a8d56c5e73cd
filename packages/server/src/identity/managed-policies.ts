/**
 * Managed (customer) policies: a named, path-scoped document with an ARN, attachable to roles and usable as a
 * permissions boundary. Versions are kept minimal: every policy has exactly one version, `v1`, its default;
 * changing a document means a new policy (CreatePolicyVersion is not served).
 */
import type { IamManagedPolicy } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import {
  attachmentCount,
  attachmentCounts,
  boundaryUsageCount,
  deleteManagedPolicyRow,
  findManagedPolicyByName,
  insertManagedPolicy,
  listManagedPolicies,
  type ManagedPolicyRecord,
} from "../store/managed-policies-repo.ts";
import type { Database } from "../store/schema.ts";
import type { Executor } from "../store/executor.ts";
import { Problems, iamArn, isUniqueViolation, newEntityId } from "./iam-names.ts";
import { managedPolicyOrThrow } from "./roles.ts";

export interface CreatePolicyInput {
  name: string;
  /** @default "/" */
  path?: string | undefined;
  /** JSON text or a parsed identity policy. */
  document: unknown;
  description?: string | undefined;
}

export const DEFAULT_VERSION_ID = "v1";

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
    defaultVersionId: DEFAULT_VERSION_ID,
    attachmentCount: attached ?? (await attachmentCount(db, record.policyId)),
    permissionsBoundaryUsageCount: await boundaryUsageCount(db, record.arn),
    createdAt: record.createdAt,
  };
}

export class ManagedPolicies {
  readonly #db: Kysely<Database>;
  readonly #now: () => number;

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.#db = db;
    this.#now = now;
  }

  async createPolicy(input: CreatePolicyInput): Promise<IamManagedPolicy> {
    const problems = new Problems();
    const path = input.path ?? "/";
    problems.name(input.name, "name");
    problems.path(path, "path");
    const document = problems.document(input.document, "document", "identity");
    if (input.description !== undefined && input.description.length > 1000)
      problems.add("description", "at most 1000 characters");
    problems.throwIfAny("the policy is invalid");
    const record: ManagedPolicyRecord = {
      policyId: newEntityId("ANPA"),
      name: input.name,
      path,
      arn: iamArn("policy", path, input.name),
      description: input.description ?? null,
      document,
      createdAt: this.#now(),
    };
    const exists = () =>
      new FawkesError(ErrorCode.entityAlreadyExists, `A policy called ${input.name} already exists.`);
    try {
      await this.#db.transaction().execute(async (trx) => {
        if (await findManagedPolicyByName(trx, input.name)) throw exists();
        await insertManagedPolicy(trx, record);
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

  /** Refused with DeleteConflict while attached to a role or used as a permissions boundary. */
  async deletePolicy(arn: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      const policy = await managedPolicyOrThrow(trx, arn);
      if ((await attachmentCount(trx, policy.policyId)) > 0)
        throw new FawkesError(ErrorCode.deleteConflict, "Cannot delete a policy attached to entities.");
      if ((await boundaryUsageCount(trx, arn)) > 0)
        throw new FawkesError(
          ErrorCode.deleteConflict,
          "Cannot delete a policy used as a permissions boundary: delete the roles' boundaries first.",
        );
      await deleteManagedPolicyRow(trx, policy.policyId);
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
}
