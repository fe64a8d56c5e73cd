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

/** A customer-managed policy. One version only: `v1`, the default. */
export interface IamManagedPolicy {
  name: string;
  path: string;
  /** `ANPA…`. */
  policyId: string;
  /** `arn:aws:iam::000000000000:policy/PATH/NAME`. */
  arn: string;
  description: string | null;
  document: unknown;
  defaultVersionId: string;
  /** Roles it is attached to. */
  attachmentCount: number;
  /** Roles it caps as their permissions boundary. */
  permissionsBoundaryUsageCount: number;
  createdAt: number;
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
}

export interface CreateInstanceProfileInput {
  name: string;
  /** @default "/" */
  path?: string;
  tags?: Readonly<Record<string, string>>;
}

/** Roles, managed policies and instance profiles. Role and profile names are case-insensitive, as in AWS. */
export interface IamStore {
  createRole(input: CreateRoleInput): Promise<IamRole>;
  getRole(name: string): Promise<IamRole>;
  listRoles(pathPrefix?: string): Promise<IamRole[]>;
  /** DeleteConflict while it has inline or attached policies or is in an instance profile. */
  deleteRole(name: string): Promise<void>;
  updateTrustPolicy(name: string, document: unknown): Promise<void>;
  putRolePolicy(roleName: string, policyName: string, document: unknown): Promise<void>;
  getRolePolicy(roleName: string, policyName: string): Promise<unknown>;
  deleteRolePolicy(roleName: string, policyName: string): Promise<void>;
  listRolePolicies(roleName: string): Promise<string[]>;
  attachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  detachRolePolicy(roleName: string, policyArn: string): Promise<void>;
  listAttachedRolePolicies(roleName: string): Promise<AttachedPolicy[]>;
  putRolePermissionsBoundary(roleName: string, policyArn: string): Promise<void>;
  deleteRolePermissionsBoundary(roleName: string): Promise<void>;
  tagRole(roleName: string, tags: Readonly<Record<string, string>>): Promise<void>;
  untagRole(roleName: string, keys: readonly string[]): Promise<void>;

  createPolicy(input: CreatePolicyInput): Promise<IamManagedPolicy>;
  getPolicy(arn: string): Promise<IamManagedPolicy>;
  /** DeleteConflict while attached to a role or used as a boundary. */
  deletePolicy(arn: string): Promise<void>;
  listPolicies(options?: { pathPrefix?: string; onlyAttached?: boolean }): Promise<IamManagedPolicy[]>;

  createInstanceProfile(input: CreateInstanceProfileInput): Promise<IamInstanceProfile>;
  getInstanceProfile(name: string): Promise<IamInstanceProfile>;
  /** DeleteConflict while it holds a role. */
  deleteInstanceProfile(name: string): Promise<void>;
  listInstanceProfiles(pathPrefix?: string): Promise<IamInstanceProfile[]>;
  /**
   * LimitExceeded when the profile already has a role. `passedBy` must be allowed `iam:PassRole` on the role
   * (FAWKES_FORBIDDEN otherwise).
   */
  addRoleToInstanceProfile(profileName: string, roleName: string, passedBy: AccessKey): Promise<void>;
  removeRoleFromInstanceProfile(profileName: string, roleName: string): Promise<void>;
  listInstanceProfilesForRole(roleName: string): Promise<IamInstanceProfile[]>;
}
