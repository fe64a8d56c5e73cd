/**
 * The server's side of the IAM Query API (cloud/src/iam-service): roles, managed policies and instance profiles
 * as one `IamStore`, over the same services the REST API uses.
 */
import type { IamStore } from "@fawkes/cloud";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import { InstanceProfiles } from "./instance-profiles.ts";
import { ManagedPolicies } from "./managed-policies.ts";
import { Roles } from "./roles.ts";

/** Roles, policies and instance profiles of one database; stateless, so any number may exist side by side. */
export class Identity {
  readonly roles: Roles;
  readonly policies: ManagedPolicies;
  readonly instanceProfiles: InstanceProfiles;

  constructor(db: Kysely<Database>, now: () => number = Date.now) {
    this.roles = new Roles(db, now);
    this.policies = new ManagedPolicies(db, now);
    this.instanceProfiles = new InstanceProfiles(db, now);
  }

  /** The IamStore the cloud endpoint's IAM service calls. */
  get iamStore(): IamStore {
    const { roles, policies, instanceProfiles: profiles } = this;
    return {
      createRole: (input) => roles.createRole(input),
      getRole: (name) => roles.getRole(name),
      listRoles: (pathPrefix) => roles.listRoles(pathPrefix),
      deleteRole: (name) => roles.deleteRole(name),
      updateTrustPolicy: (name, document) => roles.updateTrustPolicy(name, document),
      putRolePolicy: (role, policy, document) => roles.putRolePolicy(role, policy, document),
      getRolePolicy: (role, policy) => roles.getRolePolicy(role, policy),
      deleteRolePolicy: (role, policy) => roles.deleteRolePolicy(role, policy),
      listRolePolicies: (role) => roles.listRolePolicies(role),
      attachRolePolicy: (role, arn) => roles.attachRolePolicy(role, arn),
      detachRolePolicy: (role, arn) => roles.detachRolePolicy(role, arn),
      listAttachedRolePolicies: (role) => roles.listAttachedRolePolicies(role),
      putRolePermissionsBoundary: (role, arn) => roles.putRolePermissionsBoundary(role, arn),
      deleteRolePermissionsBoundary: (role) => roles.deleteRolePermissionsBoundary(role),
      tagRole: (role, tags) => roles.tagRole(role, tags),
      untagRole: (role, keys) => roles.untagRole(role, keys),
      createPolicy: (input) => policies.createPolicy(input),
      getPolicy: (arn) => policies.getPolicy(arn),
      deletePolicy: (arn) => policies.deletePolicy(arn),
      listPolicies: (options) => policies.listPolicies(options),
      createInstanceProfile: (input) => profiles.createInstanceProfile(input),
      getInstanceProfile: (name) => profiles.getInstanceProfile(name),
      deleteInstanceProfile: (name) => profiles.deleteInstanceProfile(name),
      listInstanceProfiles: (pathPrefix) => profiles.listInstanceProfiles(pathPrefix),
      addRoleToInstanceProfile: (profile, role, passedBy) =>
        profiles.addRoleToInstanceProfile(profile, role, passedBy),
      removeRoleFromInstanceProfile: (profile, role) => profiles.removeRoleFromInstanceProfile(profile, role),
      listInstanceProfilesForRole: (role) => profiles.listInstanceProfilesForRole(role),
    };
  }
}
