/** The Roles pages' commands over the public REST API: roles, their policies, managed policies, instance profiles. */
import {
  ApiRoutes,
  apiPath,
  type AttachedPolicyListDto,
  type CreateInstanceProfileRequest,
  type CreateManagedPolicyRequest,
  type ManagedPolicyDto,
  type PolicyDocument,
  type RevokedSessionsDto,
} from "@fawkes/protocol";
import { send } from "./http.ts";

const rolePolicy = (role: string, policy: string) => apiPath(ApiRoutes.rolePolicy, { role, policy });

export const iam = {
  updateTrustPolicy: (role: string, trustPolicy: PolicyDocument) =>
    send("PUT", apiPath(ApiRoutes.role, { role }), { trustPolicy }),
  putRolePolicy: (role: string, policy: string, document: PolicyDocument) =>
    send("PUT", rolePolicy(role, policy), { document }),
  deleteRolePolicy: (role: string, policy: string) => send("DELETE", rolePolicy(role, policy)),
  attachPolicy: (role: string, policy: string) =>
    send<AttachedPolicyListDto>("POST", apiPath(ApiRoutes.roleAttached, { role }), { policy }),
  detachPolicy: (role: string, policyArn: string) =>
    send(
      "DELETE",
      `${apiPath(ApiRoutes.roleAttached, { role })}?${new URLSearchParams({ policy: policyArn }).toString()}`,
    ),
  createPolicy: (request: CreateManagedPolicyRequest) =>
    send<ManagedPolicyDto>("POST", ApiRoutes.policies, request),
  deletePolicy: (policy: string) => send("DELETE", apiPath(ApiRoutes.policy, { policy })),
  createInstanceProfile: (request: CreateInstanceProfileRequest) =>
    send("POST", ApiRoutes.instanceProfiles, request),
  deleteInstanceProfile: (profile: string) => send("DELETE", apiPath(ApiRoutes.instanceProfile, { profile })),
  setInstanceProfileRole: (profile: string, role: string) =>
    send("PUT", apiPath(ApiRoutes.instanceProfileRole, { profile }), { role }),
  removeInstanceProfileRole: (profile: string) =>
    send("DELETE", apiPath(ApiRoutes.instanceProfileRole, { profile })),
  revokeSession: (session: string) =>
    send<RevokedSessionsDto>("POST", ApiRoutes.credentialSessionsRevoke, { session }),
  revokeRoleSessions: (role: string) =>
    send<RevokedSessionsDto>("POST", ApiRoutes.credentialSessionsRevoke, { role }),
};

/** GET paths the Roles pages read. */
export const iamPaths = {
  roleSessions: (role: string): string =>
    `${ApiRoutes.credentialSessions}?${new URLSearchParams({ role }).toString()}`,
  roleAttached: (role: string): string => apiPath(ApiRoutes.roleAttached, { role }),
};
