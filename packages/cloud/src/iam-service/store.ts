/**
 * What the IAM Query API needs from the server, which owns roles, managed policies and instance profiles in
 * its database (the cloud package never touches it). Methods throw FawkesError: FAWKES_ROLE_NOT_FOUND,
 * FAWKES_POLICY_NOT_FOUND, FAWKES_INSTANCE_PROFILE_NOT_FOUND, FAWKES_ENTITY_ALREADY_EXISTS,
 * FAWKES_DELETE_CONFLICT, FAWKES_LIMIT_EXCEEDED, FAWKES_VALIDATION_FAILED (with `errors[].path`) and
 * FAWKES_FORBIDDEN (iam:PassRole refused); the API maps them to AWS's codes in one place (errors.ts).
 */
import type { AccessKey } from "../credentials.ts";

export interface IamRole {
  name: string;
  /** `/` or `/a/b/`. */
  path: string;
  /** `AROA…`. */
  roleId: string;
  /** `arn:aws:iam::000000000000:role/PATH/NAME`. */
  arn: string;
  /** The trust policy (AssumeRolePolicyDocument) as stored JSON. */
  trustPolicy: unknown;
  description: string | null;
  /** 3,600–43,200 seconds. */
  maxSessionDurationSeconds: number;
  permissionsBoundaryArn: string | null;
  tags: Readonly<Record<string, string>>;
  /** Epoch ms. */
  createdAt: number;
}

/** A customer-managed policy: one to five versions, one of them the default (the one evaluation uses). */
export interface IamManagedPolicy {
  name: string;
  path: string;
  /** `ANPA…`. */
  policyId: string;
  /** `arn:aws:iam::000000000000:policy/PATH/NAME`. */
  arn: string;
  description: string | null;
  /** The default version's document. */
  document: unknown;
  /** `v1`, `v2`, … */
  defaultVersionId: string;
  tags: Readonly<Record<string, string>>;
  /** Roles it is attached to. */
  attachmentCount: number;
  /** Roles it caps as their permissions boundary. */
  permissionsBoundaryUsageCount: number;
  createdAt: number;
  /** When the policy's versions last changed. */
  updatedAt: number;
}

export interface IamPolicyVersion {
  /** `v1`, `v2`, … never reused within a policy. */
  versionId: string;
  document: unknown;
  isDefaultVersion: boolean;
  createdAt: number;
}

/** What UpdateRole changes; absent fields are left as they are. */
export interface RoleUpdate {
  description?: string;
  /** 3,600–43,200 seconds. */
  maxSessionDurationSeconds?: number;
}

export interface IamInstanceProfile {
  name: string;
  path: string;
  /** `AIPA…`. */
  instanceProfileId: string;
  /** `arn:aws:iam::000000000000:instance-profile/PATH/NAME`. */
  arn: string;
  /** At most one, as in AWS. */
  roles: IamRole[];
  tags: Readonly<Record<string, string>>;
  createdAt: number;
}

export interface AttachedPolicy {
  name: string;
  arn: string;
}

export interface CreateRoleInput {
  name: string;
  /** @default "/" */
  path?: string;
  trustPolicy: unknown;
  description?: string;
  /** @default 3600 */
  maxSessionDurationSeconds?: number;
  permissionsBoundaryArn?: string;
  tags?: Readonly<Record<string, string>>;
}

export interface CreatePolicyInput {
  name: string;
  /** @default "/" */
  path?: string;
  document: unknown;
  description?: string;
  tags?: Readonly<Record<string, string>>;
}

export interface CreateInstanceProfileInput {
  name: string;
  /** @default "/" */
  path?: string;
  tags?: Readonly<Record<string, string>>;
}

/**
 * Who signed an IAM request (the API's `QueryCaller` is one): every change takes it, so the server records the
 * change in its audit log with the signing principal as the actor, in the change's own transaction.
 */
export interface IamRequester {
  accessKey: AccessKey;
  sourceIp: string;
}

/**
 * Roles, managed policies and instance profiles. Role and profile names are case-insensitive, as in AWS. Every
 * change takes `by`, the requester: the server records it as the change's actor.
 */
export interface IamStore {
  createRole(input: CreateRoleInput, by: IamRequester): Promise<IamRole>;
  getRole(name: string): Promise<IamRole>;
  listRoles(pathPrefix?: string): Promise<IamRole[]>;
  /** DeleteConflict while it has inline or attached policies or is in an instance profile. */
  deleteRole(name: string, by: IamRequester): Promise<void>;
  updateTrustPolicy(name: string, document: unknown, by: IamRequester): Promise<void>;
  putRolePolicy(roleName: string, policyName: string, document: unknown, by: IamRequester): Promise<void>;
  getRolePolicy(roleName: string, policyName: string): Promise<unknown>;
  deleteRolePolicy(roleName: string, policyName: string, by: IamRequester): Promise<void>;
  listRolePolicies(roleName: string): Promise<string[]>;
  attachRolePolicy(roleName: string, policyArn: string, by: IamRequester): Promise<void>;
  detachRolePolicy(roleName: string, policyArn: string, by: IamRequester): Promise<void>;
  listAttachedRolePolicies(roleName: string): Promise<AttachedPolicy[]>;
  putRolePermissionsBoundary(roleName: string, policyArn: string, by: IamRequester): Promise<void>;
  deleteRolePermissionsBoundary(roleName: string, by: IamRequester): Promise<void>;
  tagRole(roleName: string, tags: Readonly<Record<string, string>>, by: IamRequester): Promise<void>;
  untagRole(roleName: string, keys: readonly string[], by: IamRequester): Promise<void>;
  updateRole(roleName: string, update: RoleUpdate, by: IamRequester): Promise<IamRole>;

  createPolicy(input: CreatePolicyInput, by: IamRequester): Promise<IamManagedPolicy>;
  getPolicy(arn: string): Promise<IamManagedPolicy>;
  /** DeleteConflict while attached to a role, used as a boundary, or holding versions besides the default. */
  deletePolicy(arn: string, by: IamRequester): Promise<void>;
  listPolicies(options?: { pathPrefix?: string; onlyAttached?: boolean }): Promise<IamManagedPolicy[]>;
  /** LimitExceeded when the policy already has five versions. */
  createPolicyVersion(
    arn: string,
    document: unknown,
    setAsDefault: boolean,
    by: IamRequester,
  ): Promise<IamPolicyVersion>;
  /** FAWKES_POLICY_NOT_FOUND for a version the policy does not have. */
  getPolicyVersion(arn: string, versionId: string): Promise<IamPolicyVersion>;
  /** Oldest first. */
  listPolicyVersions(arn: string): Promise<IamPolicyVersion[]>;
  /** DeleteConflict for the default version. */
  deletePolicyVersion(arn: string, versionId: string, by: IamRequester): Promise<void>;
  setDefaultPolicyVersion(arn: string, versionId: string, by: IamRequester): Promise<void>;
  /** The roles the policy is attached to, and those it is the permissions boundary of; by name. */
  rolesUsingPolicy(arn: string): Promise<{ attached: IamRole[]; bounded: IamRole[] }>;
  tagPolicy(arn: string, tags: Readonly<Record<string, string>>, by: IamRequester): Promise<void>;
  untagPolicy(arn: string, keys: readonly string[], by: IamRequester): Promise<void>;

  createInstanceProfile(input: CreateInstanceProfileInput, by: IamRequester): Promise<IamInstanceProfile>;
  getInstanceProfile(name: string): Promise<IamInstanceProfile>;
  /** DeleteConflict while it holds a role. */
  deleteInstanceProfile(name: string, by: IamRequester): Promise<void>;
  listInstanceProfiles(pathPrefix?: string): Promise<IamInstanceProfile[]>;
  /**
   * LimitExceeded when the profile already has a role. `passedBy` must be allowed `iam:PassRole` on the role
   * (FAWKES_FORBIDDEN otherwise).
   */
  addRoleToInstanceProfile(
    profileName: string,
    roleName: string,
    passedBy: AccessKey,
    by: IamRequester,
  ): Promise<void>;
  removeRoleFromInstanceProfile(profileName: string, roleName: string, by: IamRequester): Promise<void>;
  listInstanceProfilesForRole(roleName: string): Promise<IamInstanceProfile[]>;
  tagInstanceProfile(name: string, tags: Readonly<Record<string, string>>, by: IamRequester): Promise<void>;
  untagInstanceProfile(name: string, keys: readonly string[], by: IamRequester): Promise<void>;
}
