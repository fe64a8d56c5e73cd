/**
 * IAM roles, managed policies and instance profiles over REST (`fawkes roles …`, `fawkes policies …`, the Roles
 * page): the same services as the cloud endpoint's IAM API, so both see one set of roles. Validation problems
 * name the JSON path of each issue (`trustPolicy.Statement[0].Effect`).
 */
import type { IamInstanceProfile, IamManagedPolicy, IamPolicyVersion, IamRole } from "@fawkes/cloud";
import {
  ApiRoutes,
  AttachPolicyRequest,
  AttachedPolicyListDto,
  CreateInstanceProfileRequest,
  CreateManagedPolicyRequest,
  CreatePolicyVersionRequest,
  CreateRoleRequest,
  ErrorCode,
  FawkesError,
  InstanceProfileDto,
  InstanceProfileListDto,
  InstanceProfileRoleRequest,
  ManagedPolicyDto,
  ManagedPolicyListDto,
  PolicyVersionDto,
  PolicyVersionListDto,
  PutRolePolicyRequest,
  RoleDetailsDto,
  RoleDto,
  RoleListDto,
  RolePolicyDto,
  SetDefaultPolicyVersionRequest,
  UpdateTrustPolicyRequest,
  type PolicyDocument,
} from "@fawkes/protocol";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Engine } from "../engine/engine.ts";
import { Identity } from "../identity/iam-store.ts";
import { assertCanPassRole } from "../identity/roles.ts";
import { SYSTEM_ACTOR, actorOf } from "./actor.ts";
import { auditOrigin } from "./audit-origin.ts";
import type { RouteRegistry } from "./registry.ts";

const document = (value: unknown): PolicyDocument => value as PolicyDocument;

const roleDto = (role: IamRole): RoleDto => ({
  name: role.name,
  path: role.path,
  roleId: role.roleId,
  arn: role.arn,
  trustPolicy: document(role.trustPolicy),
  description: role.description,
  maxSessionDurationSeconds: role.maxSessionDurationSeconds,
  permissionsBoundaryArn: role.permissionsBoundaryArn,
  tags: { ...role.tags },
  createdAt: role.createdAt,
});

const policyDto = (policy: IamManagedPolicy): ManagedPolicyDto => ({
  name: policy.name,
  path: policy.path,
  policyId: policy.policyId,
  arn: policy.arn,
  description: policy.description,
  document: document(policy.document),
  defaultVersionId: policy.defaultVersionId,
  attachmentCount: policy.attachmentCount,
  permissionsBoundaryUsageCount: policy.permissionsBoundaryUsageCount,
  tags: { ...policy.tags },
  createdAt: policy.createdAt,
  updatedAt: policy.updatedAt,
});

const versionDto = (version: IamPolicyVersion): PolicyVersionDto => ({
  versionId: version.versionId,
  isDefaultVersion: version.isDefaultVersion,
  createdAt: version.createdAt,
  document: document(version.document),
});

const profileDto = (profile: IamInstanceProfile): InstanceProfileDto => ({
  name: profile.name,
  path: profile.path,
  instanceProfileId: profile.instanceProfileId,
  arn: profile.arn,
  role: profile.roles[0]?.name ?? null,
  tags: { ...profile.tags },
  createdAt: profile.createdAt,
});

const param = (request: FastifyRequest, name: string): string =>
  (request.params as Record<string, string>)[name] ?? "";

export function roleRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  const { roles, policies, instanceProfiles } = new Identity(engine.ctx.db, engine.ctx.now);
  const tag = "roles";
  const details = async (name: string): Promise<RoleDetailsDto> => ({
    ...roleDto(await roles.getRole(name)),
    inlinePolicies: (await roles.rolePolicyDocuments(name)).map((p) => ({
      name: p.name,
      document: document(p.document),
    })),
    attachedPolicies: await roles.listAttachedRolePolicies(name),
    instanceProfiles: (await instanceProfiles.listInstanceProfilesForRole(name)).map((p) => p.name),
  });

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.roles,
      summary: "List IAM roles",
      tag,
      access: "user",
      permission: "view",
      response: RoleListDto,
    },
    async () => ({ roles: (await roles.listRoles()).map(roleDto) }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.roles,
      summary: "Create an IAM role with a trust policy",
      tag,
      access: "user",
      body: CreateRoleRequest,
      response: RoleDto,
      status: 201,
    },
    async (request, _reply, body) => roleDto(await roles.createRole(body, auditOrigin(request))),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.role,
      summary: "A role with its trust, inline and attached policies and instance profiles",
      tag,
      access: "user",
      permission: "view",
      response: RoleDetailsDto,
    },
    async (request) => details(param(request, "role")),
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.role,
      summary: "Replace a role's trust policy",
      tag,
      access: "user",
      body: UpdateTrustPolicyRequest,
      response: RoleDto,
    },
    async (request, _reply, body) => {
      await roles.updateTrustPolicy(param(request, "role"), body.trustPolicy, auditOrigin(request));
      return roleDto(await roles.getRole(param(request, "role")));
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.role,
      summary: "Delete a role (refused while it has policies or is in an instance profile)",
      tag,
      access: "user",
    },
    async (request) => roles.deleteRole(param(request, "role"), auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.rolePolicy,
      summary: "Create or replace an inline policy of a role",
      tag,
      access: "user",
      body: PutRolePolicyRequest,
      response: RolePolicyDto,
    },
    async (request, _reply, body) => {
      await roles.putRolePolicy(
        param(request, "role"),
        param(request, "policy"),
        body.document,
        auditOrigin(request),
      );
      return { role: param(request, "role"), name: param(request, "policy"), document: body.document };
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.rolePolicy,
      summary: "An inline policy of a role",
      tag,
      access: "user",
      permission: "view",
      response: RolePolicyDto,
    },
    async (request) => ({
      role: param(request, "role"),
      name: param(request, "policy"),
      document: document(await roles.getRolePolicy(param(request, "role"), param(request, "policy"))),
    }),
  );
  routes.add(
    app,
    { method: "DELETE", path: ApiRoutes.rolePolicy, summary: "Delete an inline policy", tag, access: "user" },
    async (request) =>
      roles.deleteRolePolicy(param(request, "role"), param(request, "policy"), auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.roleAttached,
      summary: "Managed policies attached to a role",
      tag,
      access: "user",
      permission: "view",
      response: AttachedPolicyListDto,
    },
    async (request) => ({ attachedPolicies: await roles.listAttachedRolePolicies(param(request, "role")) }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.roleAttached,
      summary: "Attach a managed policy (by name or ARN) to a role",
      tag,
      access: "user",
      body: AttachPolicyRequest,
      response: AttachedPolicyListDto,
    },
    async (request, _reply, body) => {
      const role = param(request, "role");
      await roles.attachRolePolicy(role, await policies.arnOf(body.policy), auditOrigin(request));
      return { attachedPolicies: await roles.listAttachedRolePolicies(role) };
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.roleAttached,
      summary: "Detach a managed policy (?policy=NAME or ARN) from a role",
      tag,
      access: "user",
    },
    async (request) => {
      const policy = (request.query as Record<string, string | undefined>).policy;
      if (!policy)
        throw new FawkesError(ErrorCode.badRequest, "name the policy to detach: ?policy=NAME or ARN");
      await roles.detachRolePolicy(
        param(request, "role"),
        await policies.arnOf(policy),
        auditOrigin(request),
      );
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.policies,
      summary: "List managed policies",
      tag,
      access: "user",
      permission: "view",
      response: ManagedPolicyListDto,
    },
    async () => ({ policies: (await policies.listPolicies()).map(policyDto) }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.policies,
      summary: "Create a managed policy",
      tag,
      access: "user",
      body: CreateManagedPolicyRequest,
      response: ManagedPolicyDto,
      status: 201,
    },
    async (request, _reply, body) => policyDto(await policies.createPolicy(body, auditOrigin(request))),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.policy,
      summary: "A managed policy (by name or ARN)",
      tag,
      access: "user",
      permission: "view",
      response: ManagedPolicyDto,
    },
    async (request) => policyDto(await policies.getPolicy(await policies.arnOf(param(request, "policy")))),
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.policy,
      summary: "Delete a managed policy (refused while attached or used as a boundary)",
      tag,
      access: "user",
    },
    async (request) =>
      policies.deletePolicy(await policies.arnOf(param(request, "policy")), auditOrigin(request)),
  );

  const policyArn = (request: FastifyRequest) => policies.arnOf(param(request, "policy"));
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.policyVersions,
      summary: "The versions of a managed policy, oldest first, with their documents",
      tag,
      access: "user",
      permission: "view",
      response: PolicyVersionListDto,
    },
    async (request) => ({
      versions: (await policies.listPolicyVersions(await policyArn(request))).map(versionDto),
    }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.policyVersions,
      summary: "Add a version to a managed policy (the default unless setAsDefault is false; five at most)",
      tag,
      access: "user",
      body: CreatePolicyVersionRequest,
      response: PolicyVersionDto,
      status: 201,
    },
    async (request, _reply, body) =>
      versionDto(
        await policies.createPolicyVersion(
          await policyArn(request),
          body.document,
          body.setAsDefault ?? true,
          auditOrigin(request),
        ),
      ),
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.policyVersion,
      summary: "One version of a managed policy, with its document",
      tag,
      access: "user",
      permission: "view",
      response: PolicyVersionDto,
    },
    async (request) =>
      versionDto(await policies.getPolicyVersion(await policyArn(request), param(request, "version"))),
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.policyVersion,
      summary: "Delete a version of a managed policy (refused for the default version)",
      tag,
      access: "user",
    },
    async (request) =>
      policies.deletePolicyVersion(await policyArn(request), param(request, "version"), auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.policyDefaultVersion,
      summary: "Make a version the one evaluated, from the next request on",
      tag,
      access: "user",
      body: SetDefaultPolicyVersionRequest,
      response: ManagedPolicyDto,
    },
    async (request, _reply, body) => {
      const arn = await policyArn(request);
      await policies.setDefaultPolicyVersion(arn, body.versionId, auditOrigin(request));
      return policyDto(await policies.getPolicy(arn));
    },
  );

  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.instanceProfiles,
      summary: "List instance profiles",
      tag,
      access: "user",
      permission: "view",
      response: InstanceProfileListDto,
    },
    async () => ({ instanceProfiles: (await instanceProfiles.listInstanceProfiles()).map(profileDto) }),
  );
  routes.add(
    app,
    {
      method: "POST",
      path: ApiRoutes.instanceProfiles,
      summary: "Create an instance profile, optionally holding a role (iam:PassRole)",
      tag,
      access: "user",
      body: CreateInstanceProfileRequest,
      response: InstanceProfileDto,
      status: 201,
    },
    async (request, _reply, body) => {
      // The role must exist and be passable before anything is created: a refused request changes nothing.
      if (body.role !== undefined)
        assertCanPassRole(actorOf(request) ?? SYSTEM_ACTOR, (await roles.getRole(body.role)).arn);
      const profile = await instanceProfiles.createInstanceProfile(body, auditOrigin(request));
      if (body.role === undefined) return profileDto(profile);
      await instanceProfiles.addRoleToInstanceProfile(
        profile.name,
        body.role,
        actorOf(request) ?? SYSTEM_ACTOR,
        auditOrigin(request),
      );
      return profileDto(await instanceProfiles.getInstanceProfile(profile.name));
    },
  );
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.instanceProfile,
      summary: "An instance profile",
      tag,
      access: "user",
      permission: "view",
      response: InstanceProfileDto,
    },
    async (request) => profileDto(await instanceProfiles.getInstanceProfile(param(request, "profile"))),
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.instanceProfile,
      summary: "Delete an instance profile (refused while it holds a role)",
      tag,
      access: "user",
    },
    async (request) =>
      instanceProfiles.deleteInstanceProfile(param(request, "profile"), auditOrigin(request)),
  );
  routes.add(
    app,
    {
      method: "PUT",
      path: ApiRoutes.instanceProfileRole,
      summary: "Put a role in an instance profile (iam:PassRole)",
      tag,
      access: "user",
      body: InstanceProfileRoleRequest,
      response: InstanceProfileDto,
    },
    async (request, _reply, body) => {
      const name = param(request, "profile");
      await instanceProfiles.addRoleToInstanceProfile(
        name,
        body.role,
        actorOf(request) ?? SYSTEM_ACTOR,
        auditOrigin(request),
      );
      return profileDto(await instanceProfiles.getInstanceProfile(name));
    },
  );
  routes.add(
    app,
    {
      method: "DELETE",
      path: ApiRoutes.instanceProfileRole,
      summary: "Take the role out of an instance profile",
      tag,
      access: "user",
    },
    async (request) => {
      const name = param(request, "profile");
      const role = (await instanceProfiles.getInstanceProfile(name)).roles[0];
      if (role !== undefined)
        await instanceProfiles.removeRoleFromInstanceProfile(name, role.name, auditOrigin(request));
    },
  );
}
