/**
 * The IAM types: roles (with inline and managed policies), inline policies on roles, managed policies and
 * instance profiles, made in the server's own IAM (identity issue) with the caller's rights and audited as the
 * caller. Deleting one already gone is no error.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { Identity } from "../../identity/iam-store.ts";
import {
  generatedName,
  type ProviderContext,
  type ResourceProperties,
  type ResourceProvider,
} from "../providers.ts";

const GONE: readonly string[] = [
  ErrorCode.roleNotFound,
  ErrorCode.policyNotFound,
  ErrorCode.instanceProfileNotFound,
];

/** Whether `find` says the entity does not exist (a delete of it has nothing to do, and needs no right). */
async function isGone(find: () => Promise<unknown>): Promise<boolean> {
  try {
    await find();
    return false;
  } catch (error) {
    if (error instanceof FawkesError && GONE.includes(error.code)) return true;
    throw error;
  }
}

/** Runs `fn`; an entity that does not exist (any more) is what a delete wanted. */
async function unlessGone(fn: () => Promise<unknown>): Promise<void> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof FawkesError && GONE.includes(error.code)) return;
    throw error;
  }
}

const strings = (value: unknown, property: string): string[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((item) => typeof item !== "string"))
    throw new Error(`${property} must be a list of names`);
  return value as string[];
};

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);

const tagsOf = (value: unknown): Record<string, string> =>
  Object.fromEntries(
    (Array.isArray(value) ? value : []).map((tag: { Key?: unknown; Value?: unknown }) => [
      String(tag.Key),
      String(tag.Value ?? ""),
    ]),
  );

const iamArn = (ctx: ProviderContext, kind: string, path: string | undefined, name: string): string =>
  `arn:aws:iam::${ctx.accountId}:${kind}${path ?? "/"}${name}`;

/** Only roles can hold policies here: IAM users and groups do not exist on one machine. */
function rolesOnly(props: ResourceProperties): string[] {
  if (props.Users !== undefined || props.Groups !== undefined)
    throw new Error("Users and Groups are not supported: Fawkes has roles only (attach the policy to Roles)");
  return strings(props.Roles, "Roles");
}

export function iamProviders(identity: Identity): ResourceProvider[] {
  const { roles, policies, instanceProfiles } = identity;
  const role: ResourceProvider = {
    type: "AWS::IAM::Role",
    physicalId: (props, ctx) => text(props.RoleName) ?? generatedName(ctx, 64),
    async create(name, props, ctx) {
      const path = text(props.Path);
      ctx.caller.authorize("iam:CreateRole", iamArn(ctx, "role", path, name));
      const inline = Array.isArray(props.Policies) ? (props.Policies as Record<string, unknown>[]) : [];
      const managed = strings(props.ManagedPolicyArns, "ManagedPolicyArns");
      const created = await roles.createRole(
        {
          name,
          path,
          trustPolicy: props.AssumeRolePolicyDocument,
          description: text(props.Description),
          maxSessionDurationSeconds:
            props.MaxSessionDuration === undefined ? undefined : Number(props.MaxSessionDuration),
          permissionsBoundaryArn: text(props.PermissionsBoundary),
          tags: tagsOf(props.Tags),
        },
        ctx.caller.origin,
      );
      for (const policy of inline) {
        ctx.caller.authorize("iam:PutRolePolicy", created.arn);
        await roles.putRolePolicy(name, String(policy.PolicyName), policy.PolicyDocument, ctx.caller.origin);
      }
      for (const arn of managed) {
        ctx.caller.authorize("iam:AttachRolePolicy", created.arn);
        await roles.attachRolePolicy(name, arn, ctx.caller.origin);
      }
      return { Arn: created.arn, RoleId: created.roleId };
    },
    // A new name or path is a new role; the rest changes on the role itself, each part with its IAM action.
    replacedBy: ["RoleName", "Path"],
    async update(name, oldProps, props, ctx) {
      const role = await roles.getRole(name);
      const changed = (key: string) => JSON.stringify(oldProps[key]) !== JSON.stringify(props[key]);
      if (changed("AssumeRolePolicyDocument")) {
        ctx.caller.authorize("iam:UpdateAssumeRolePolicy", role.arn);
        await roles.updateTrustPolicy(name, props.AssumeRolePolicyDocument, ctx.caller.origin);
      }
      if (changed("Description") || changed("MaxSessionDuration")) {
        ctx.caller.authorize("iam:UpdateRole", role.arn);
        await roles.updateRole(
          name,
          {
            description: text(props.Description) ?? null,
            maxSessionDurationSeconds:
              props.MaxSessionDuration === undefined ? 3600 : Number(props.MaxSessionDuration),
          },
          ctx.caller.origin,
        );
      }
      const boundary = text(props.PermissionsBoundary);
      if (boundary !== (role.permissionsBoundaryArn ?? undefined)) {
        ctx.caller.authorize(`iam:${boundary ? "Put" : "Delete"}RolePermissionsBoundary`, role.arn);
        if (boundary) await roles.putRolePermissionsBoundary(name, boundary, ctx.caller.origin);
        else await roles.deleteRolePermissionsBoundary(name, ctx.caller.origin);
      }
      const tags = tagsOf(props.Tags);
      const untagged = Object.keys(role.tags).filter((key) => !(key in tags));
      if (untagged.length > 0) {
        ctx.caller.authorize("iam:UntagRole", role.arn);
        await roles.untagRole(name, untagged, ctx.caller.origin);
      }
      if (Object.entries(tags).some(([key, value]) => role.tags[key] !== value)) {
        ctx.caller.authorize("iam:TagRole", role.arn);
        await roles.tagRole(name, tags, ctx.caller.origin);
      }
      // Inline and managed policies by difference: an AWS::IAM::Policy of the stack may hold others on the role.
      const inline = (value: unknown) =>
        new Map(
          (Array.isArray(value) ? (value as Record<string, unknown>[]) : []).map((policy) => [
            String(policy.PolicyName),
            policy.PolicyDocument,
          ]),
        );
      const [before, after] = [inline(oldProps.Policies), inline(props.Policies)];
      for (const policyName of before.keys())
        if (!after.has(policyName)) {
          ctx.caller.authorize("iam:DeleteRolePolicy", role.arn);
          await unlessGone(() => roles.deleteRolePolicy(name, policyName, ctx.caller.origin));
        }
      for (const [policyName, document] of after) {
        ctx.caller.authorize("iam:PutRolePolicy", role.arn);
        await roles.putRolePolicy(name, policyName, document, ctx.caller.origin);
      }
      const managed = new Set(strings(props.ManagedPolicyArns, "ManagedPolicyArns"));
      for (const attached of await roles.listAttachedRolePolicies(name))
        if (
          !managed.has(attached.arn) &&
          strings(oldProps.ManagedPolicyArns, "ManagedPolicyArns").includes(attached.arn)
        ) {
          ctx.caller.authorize("iam:DetachRolePolicy", role.arn);
          await roles.detachRolePolicy(name, attached.arn, ctx.caller.origin);
        }
      const attachedNow = new Set(
        (await roles.listAttachedRolePolicies(name)).map((attached) => attached.arn),
      );
      for (const arn of managed)
        if (!attachedNow.has(arn)) {
          ctx.caller.authorize("iam:AttachRolePolicy", role.arn);
          await roles.attachRolePolicy(name, arn, ctx.caller.origin);
        }
      return { Arn: role.arn, RoleId: role.roleId };
    },
    async delete(name, props, ctx) {
      if (await isGone(() => roles.getRole(name))) return;
      ctx.caller.authorize("iam:DeleteRole", iamArn(ctx, "role", text(props.Path), name));
      await unlessGone(async () => {
        for (const policy of await roles.listRolePolicies(name))
          await roles.deleteRolePolicy(name, policy, ctx.caller.origin);
        for (const attached of await roles.listAttachedRolePolicies(name))
          await roles.detachRolePolicy(name, attached.arn, ctx.caller.origin);
        await roles.deleteRole(name, ctx.caller.origin);
      });
    },
  };

  const inlinePolicy: ResourceProvider = {
    type: "AWS::IAM::Policy",
    physicalId: (_props, ctx) => generatedName(ctx, 64),
    async create(_id, props, ctx) {
      for (const roleName of rolesOnly(props)) {
        ctx.caller.authorize("iam:PutRolePolicy", iamArn(ctx, "role", "/", roleName));
        await roles.putRolePolicy(
          roleName,
          String(props.PolicyName),
          props.PolicyDocument,
          ctx.caller.origin,
        );
      }
      return {};
    },
    // The old document leaves the roles (or the name) it no longer covers; the new one is put on every role.
    async update(id, oldProps, props, ctx) {
      const roleNames = rolesOnly(props);
      const stays = (roleName: string) =>
        roleNames.includes(roleName) && oldProps.PolicyName === props.PolicyName;
      await inlinePolicy.delete(
        id,
        { ...oldProps, Roles: strings(oldProps.Roles, "Roles").filter((r) => !stays(r)) },
        ctx,
      );
      return inlinePolicy.create(id, props, ctx);
    },
    async delete(_id, props, ctx) {
      const policyName = String(props.PolicyName);
      for (const roleName of strings(props.Roles, "Roles")) {
        if (await isGone(() => roles.getRolePolicy(roleName, policyName))) continue;
        ctx.caller.authorize("iam:DeleteRolePolicy", iamArn(ctx, "role", "/", roleName));
        await unlessGone(() => roles.deleteRolePolicy(roleName, policyName, ctx.caller.origin));
      }
    },
  };

  const managedPolicy: ResourceProvider = {
    type: "AWS::IAM::ManagedPolicy",
    physicalId: (props, ctx) =>
      iamArn(ctx, "policy", text(props.Path), text(props.ManagedPolicyName) ?? generatedName(ctx, 128)),
    async create(arn, props, ctx) {
      ctx.caller.authorize("iam:CreatePolicy", arn);
      const created = await policies.createPolicy(
        {
          name: arn.slice(arn.lastIndexOf("/") + 1),
          path: text(props.Path),
          document: props.PolicyDocument,
          description: text(props.Description),
        },
        ctx.caller.origin,
      );
      for (const roleName of rolesOnly(props)) {
        ctx.caller.authorize("iam:AttachRolePolicy", iamArn(ctx, "role", "/", roleName));
        await roles.attachRolePolicy(roleName, created.arn, ctx.caller.origin);
      }
      return {
        PolicyArn: created.arn,
        PolicyId: created.policyId,
        DefaultVersionId: "v1",
        IsAttachable: true,
      };
    },
    async delete(arn, props, ctx) {
      if (await isGone(() => policies.getPolicy(arn))) return;
      ctx.caller.authorize("iam:DeletePolicy", arn);
      for (const roleName of strings(props.Roles, "Roles"))
        await unlessGone(() => roles.detachRolePolicy(roleName, arn, ctx.caller.origin));
      await unlessGone(() => policies.deletePolicy(arn, ctx.caller.origin));
    },
  };

  const instanceProfile: ResourceProvider = {
    type: "AWS::IAM::InstanceProfile",
    physicalId: (props, ctx) => text(props.InstanceProfileName) ?? generatedName(ctx, 128),
    async create(name, props, ctx) {
      const roleNames = strings(props.Roles, "Roles");
      if (roleNames.length !== 1) throw new Error("Roles must name exactly one role");
      ctx.caller.authorize(
        "iam:CreateInstanceProfile",
        iamArn(ctx, "instance-profile", text(props.Path), name),
      );
      const created = await instanceProfiles.createInstanceProfile(
        { name, path: text(props.Path) },
        ctx.caller.origin,
      );
      await instanceProfiles.addRoleToInstanceProfile(
        name,
        roleNames[0]!,
        ctx.caller.passer,
        ctx.caller.origin,
      );
      return { Arn: created.arn };
    },
    async delete(name, props, ctx) {
      ctx.caller.authorize(
        "iam:DeleteInstanceProfile",
        iamArn(ctx, "instance-profile", text(props.Path), name),
      );
      for (const roleName of strings(props.Roles, "Roles"))
        await unlessGone(() =>
          instanceProfiles.removeRoleFromInstanceProfile(name, roleName, ctx.caller.origin),
        );
      await unlessGone(() => instanceProfiles.deleteInstanceProfile(name, ctx.caller.origin));
    },
  };

  return [role, inlinePolicy, managedPolicy, instanceProfile];
}
