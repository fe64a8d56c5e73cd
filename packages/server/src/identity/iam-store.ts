/**
 * The server's side of the IAM Query API (cloud/src/iam-service): roles, managed policies and instance profiles
 * as one `IamStore`, over the same services the REST API uses.
 */
import type { IamRequester, IamStore } from "@fawkes/cloud";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import type { AuditOrigin } from "./iam-audit.ts";
import { InstanceProfiles } from "./instance-profiles.ts";
import { ManagedPolicies } from "./managed-policies.ts";
import { Roles } from "./roles.ts";

/**
 * Who made an IAM API change, as the audit log records it: the principal that signed the request (its ARN:
 * `arn:aws:iam::000000000000:user/NAME`, or an assumed role's session), as a `user` actor.
 */
export const requesterOrigin = (by: IamRequester): AuditOrigin => ({
  actor: { kind: "user", name: by.accessKey.principalArn },
  sourceIp: by.sourceIp,
});

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
    const o = requesterOrigin;
    return {
      createRole: (input, by) => roles.createRole(input, o(by)),
      getRole: (name) => roles.getRole(name),
      listRoles: (pathPrefix) => roles.listRoles(pathPrefix),
      deleteRole: (name, by) => roles.deleteRole(name, o(by)),
      updateTrustPolicy: (name, document, by) => roles.updateTrustPolicy(name, document, o(by)),
      putRolePolicy: (role, policy, document, by) => roles.putRolePolicy(role, policy, document, o(by)),
      getRolePolicy: (role, policy) => roles.getRolePolicy(role, policy),
      deleteRolePolicy: (role, policy, by) => roles.deleteRolePolicy(role, policy, o(by)),
      listRolePolicies: (role) => roles.listRolePolicies(role),
      attachRolePolicy: (role, arn, by) => roles.attachRolePolicy(role, arn, o(by)),
      detachRolePolicy: (role, arn, by) => roles.detachRolePolicy(role, arn, o(by)),
      listAttachedRolePolicies: (role) => roles.listAttachedRolePolicies(role),
      putRolePermissionsBoundary: (role, arn, by) => roles.putRolePermissionsBoundary(role, arn, o(by)),
      deleteRolePermissionsBoundary: (role, by) => roles.deleteRolePermissionsBoundary(role, o(by)),
      tagRole: (role, tags, by) => roles.tagRole(role, tags, o(by)),
      untagRole: (role, keys, by) => roles.untagRole(role, keys, o(by)),
      updateRole: (role, update, by) => roles.updateRole(role, update, o(by)),
      createPolicy: (input, by) => policies.createPolicy(input, o(by)),
      getPolicy: (arn) => policies.getPolicy(arn),
      deletePolicy: (arn, by) => policies.deletePolicy(arn, o(by)),
      listPolicies: (options) => policies.listPolicies(options),
      createPolicyVersion: (arn, document, setAsDefault, by) =>
        policies.createPolicyVersion(arn, document, setAsDefault, o(by)),
      getPolicyVersion: (arn, id) => policies.getPolicyVersion(arn, id),
      listPolicyVersions: (arn) => policies.listPolicyVersions(arn),
      deletePolicyVersion: (arn, id, by) => policies.deletePolicyVersion(arn, id, o(by)),
      setDefaultPolicyVersion: (arn, id, by) => policies.setDefaultPolicyVersion(arn, id, o(by)),
      rolesUsingPolicy: (arn) => policies.rolesUsingPolicy(arn),
      tagPolicy: (arn, tags, by) => policies.tagPolicy(arn, tags, o(by)),
      untagPolicy: (arn, keys, by) => policies.untagPolicy(arn, keys, o(by)),
      createInstanceProfile: (input, by) => profiles.createInstanceProfile(input, o(by)),
      getInstanceProfile: (name) => profiles.getInstanceProfile(name),
      deleteInstanceProfile: (name, by) => profiles.deleteInstanceProfile(name, o(by)),
      listInstanceProfiles: (pathPrefix) => profiles.listInstanceProfiles(pathPrefix),
      addRoleToInstanceProfile: (profile, role, passedBy, by) =>
        profiles.addRoleToInstanceProfile(profile, role, passedBy, o(by)),
      removeRoleFromInstanceProfile: (profile, role, by) =>
        profiles.removeRoleFromInstanceProfile(profile, role, o(by)),
      listInstanceProfilesForRole: (role) => profiles.listInstanceProfilesForRole(role),
      tagInstanceProfile: (name, tags, by) => profiles.tagInstanceProfile(name, tags, o(by)),
      untagInstanceProfile: (name, keys, by) => profiles.untagInstanceProfile(name, keys, o(by)),
    };
  }
}
