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
