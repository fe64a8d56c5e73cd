/**
 * IAM's Query API on the cloud endpoint (`aws iam …`, the SDK's IAMClient): roles with trust, inline, managed
 * and boundary policies and tags, managed policies with up to five versions and tags, and instance profiles
 * with tags. Every action is authorised with the caller's key (`iam:CreateRole` on the role's ARN…) before it
 * runs; policy documents are checked here (MalformedPolicyDocument) and answered URL-encoded, as AWS does. Every
 * List* action pages as AWS's do (`MaxItems`, `Marker`, `IsTruncated`: paging.ts).
 */
import { keyPrincipal } from "../iam/key-decision.ts";
import type { ContextValue } from "../iam/types.ts";
import { invalidAction } from "../query/handle.ts";
import { validationError, type QueryParams } from "../query/params.ts";
import type { QueryCaller, QueryService } from "../query/service.ts";
import { el, text } from "../s3/xml.ts";
import { checkedDocument, iamError } from "./errors.ts";
import { numberKey, Pager } from "./paging.ts";
import {
  attachedXml,
  encodeDocument,
  namesXml,
  policiesXml,
  policyVersionXml,
  policyXml,
  profileXml,
  profilesXml,
  roleXml,
  rolesXml,
  tagsXml,
  versionsXml,
} from "./render.ts";
import type { IamStore } from "./store.ts";

export const IAM_XMLNS = "https://iam.amazonaws.com/doc/2010-05-08/";

type Handler = (params: QueryParams, caller: QueryCaller) => Promise<string | undefined>;

/** Context keys of tags a request sets (`aws:RequestTag/KEY`, `aws:TagKeys`). */
function tagContext(tags: Readonly<Record<string, string>>): Record<string, ContextValue> {
  const keys = Object.keys(tags);
  if (keys.length === 0) return {};
  return {
    "aws:TagKeys": keys,
    ...Object.fromEntries(Object.entries(tags).map(([key, value]) => [`aws:RequestTag/${key}`, value])),
  };
}

/** `PathPrefix` of ListRoles, ListPolicies, ListInstanceProfiles: `/` (everything) unless given. */
function pathPrefix(params: QueryParams): string {
  const prefix = params.get("PathPrefix") ?? "/";
  if (!/^\/[\u0021-\u007f]{0,511}$/.test(prefix))
    throw validationError(
      `1 validation error detected: Value '${prefix}' at 'pathPrefix' failed to satisfy constraint: Member must satisfy regular expression pattern: \\u002F[\\u0021-\\u007F]*`,
    );
  return prefix;
}

/** A boolean parameter (`true`/`false`), `fallback` when absent. */
function flag(params: QueryParams, name: string, fallback: boolean): boolean {
  const value = params.get(name);
  if (value === undefined) return fallback;
  if (value !== "true" && value !== "false")
    throw validationError(`1 validation error detected: Value '${value}' at '${name}' must be true or false`);
  return value === "true";
}

const ENTITY_FILTERS = ["User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy"];

const lower = (item: { name: string }): string => item.name.toLowerCase();

export function iamService(store: IamStore, pager: Pager = new Pager()): QueryService {
  const account = (caller: QueryCaller) => keyPrincipal(caller.accessKey).account ?? "000000000000";
  const arn = (caller: QueryCaller, kind: string, path: string, name: string) =>
    `arn:aws:iam::${account(caller)}:${kind}${path}${name}`;
  /** The ARN of an existing role (its path included), or the path-less ARN of a role that does not exist. */
  const roleArn = async (caller: QueryCaller, name: string) => {
    try {
      return (await store.getRole(name)).arn;
    } catch {
      return arn(caller, "role", "/", name);
    }
  };
  const profileArn = async (caller: QueryCaller, name: string) => {
    try {
      return (await store.getInstanceProfile(name)).arn;
    } catch {
      return arn(caller, "instance-profile", "/", name);
    }
  };
  /** Authorises `action` on the named role, then runs `run`. */
  const onRole =
    (
      action: string,
      run: (role: string, params: QueryParams, caller: QueryCaller) => Promise<string | undefined>,
      context?: (params: QueryParams) => Record<string, ContextValue>,
    ): Handler =>
    async (params, caller) => {
      const role = params.required("RoleName");
      caller.authorize(
        action,
        await roleArn(caller, role),
        context ? { context: context(params) } : undefined,
      );
      return run(role, params, caller);
    };
  const onProfile =
    (
      action: string,
      run: (profile: string, params: QueryParams, caller: QueryCaller) => Promise<string | undefined>,
      context?: (params: QueryParams) => Record<string, ContextValue>,
    ): Handler =>
    async (params, caller) => {
      const profile = params.required("InstanceProfileName");
      caller.authorize(
        action,
        await profileArn(caller, profile),
        context ? { context: context(params) } : undefined,
      );
      return run(profile, params, caller);
    };
  const onPolicy =
    (
      action: string,
      run: (policyArn: string, params: QueryParams, caller: QueryCaller) => Promise<string | undefined>,
      context?: (params: QueryParams) => Record<string, ContextValue>,
    ): Handler =>
    async (params, caller) => {
      const policyArn = params.required("PolicyArn");
      caller.authorize(action, policyArn, context ? { context: context(params) } : undefined);
      return run(policyArn, params, caller);
    };
  const description = (params: QueryParams) => params.get("Description");
  /** A page of tags, ordered by key. */
  const tagPage = (params: QueryParams, list: string, tags: Readonly<Record<string, string>>) => {
    const { items, tail } = pager.page(params, list, Object.entries(tags), ([key]) => key);
    return tagsXml(items) + tail;
  };
  type On = typeof onRole;
  type Tags = Readonly<Record<string, string>>;
  /** Tag*, Untag* and List*Tags of an entity, each authorised on it (`iam:TagRole` on the role's ARN…). */
  const tagging = (
    entity: "Role" | "Policy" | "InstanceProfile",
    on: On,
    ops: {
      tag(id: string, tags: Tags, by: QueryCaller): Promise<void>;
      untag(id: string, keys: readonly string[], by: QueryCaller): Promise<void>;
      tags(id: string): Promise<Tags>;
    },
  ): Record<string, Handler> => ({
    [`Tag${entity}`]: on(
      `iam:Tag${entity}`,
      async (id, params, caller) => void (await ops.tag(id, params.tags(), caller)),
      (params) => tagContext(params.tags()),
    ),
    [`Untag${entity}`]: on(
      `iam:Untag${entity}`,
      async (id, params, caller) => void (await ops.untag(id, params.list("TagKeys"), caller)),
      (params) => ({ "aws:TagKeys": params.list("TagKeys") }),
    ),
    [`List${entity}Tags`]: on(`iam:List${entity}Tags`, async (id, params) =>
      tagPage(params, `List${entity}Tags:${id.toLowerCase()}`, await ops.tags(id)),
    ),
  });

  const handlers: Record<string, Handler> = {
    async CreateRole(params, caller) {
      const name = params.required("RoleName");
      const path = params.get("Path") ?? "/";
      const tags = params.tags();
      const boundary = params.get("PermissionsBoundary");
      caller.authorize("iam:CreateRole", arn(caller, "role", path, name), {
        context: { ...tagContext(tags), ...(boundary ? { "iam:PermissionsBoundary": boundary } : {}) },
      });
      const trustPolicy = checkedDocument(
        params.required("AssumeRolePolicyDocument"),
        "AssumeRolePolicyDocument",
        "trust",
      );
      const maxSession = params.integer("MaxSessionDuration", 3600, 43200);
      const role = await store.createRole(
        {
          name,
          path,
          trustPolicy,
          tags,
          ...(description(params) !== undefined && { description: description(params)! }),
          ...(maxSession !== undefined && { maxSessionDurationSeconds: maxSession }),
          ...(boundary !== undefined && { permissionsBoundaryArn: boundary }),
        },
        caller,
      );
      return roleXml(role);
    },
    GetRole: onRole("iam:GetRole", async (role) => roleXml(await store.getRole(role))),
    DeleteRole: onRole(
      "iam:DeleteRole",
      async (role, _params, caller) => void (await store.deleteRole(role, caller)),
    ),
    async ListRoles(params, caller) {
      caller.authorize("iam:ListRoles", arn(caller, "role", "/", "*"));
      const { items, tail } = pager.page(
        params,
        "ListRoles",
        await store.listRoles(pathPrefix(params)),
        lower,
      );
      return rolesXml(items) + tail;
    },
    UpdateRole: onRole("iam:UpdateRole", async (role, params, caller) => {
      const maxSession = params.integer("MaxSessionDuration", 3600, 43200);
      const text = description(params);
      await store.updateRole(
        role,
        {
          ...(text !== undefined && { description: text }),
          ...(maxSession !== undefined && { maxSessionDurationSeconds: maxSession }),
        },
        caller,
      );
      // UpdateRole has a result element, empty (botocore expects it).
      return "";
    }),
    UpdateRoleDescription: onRole("iam:UpdateRole", async (role, params, caller) =>
      roleXml(await store.updateRole(role, { description: params.required("Description") }, caller)),
    ),
    UpdateAssumeRolePolicy: onRole("iam:UpdateAssumeRolePolicy", async (role, params, caller) => {
      await store.updateTrustPolicy(
        role,
        checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "trust"),
        caller,
      );
      return undefined;
    }),
    PutRolePolicy: onRole("iam:PutRolePolicy", async (role, params, caller) => {
      const policyName = params.required("PolicyName");
      const document = checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "identity");
      await store.putRolePolicy(role, policyName, document, caller);
      return undefined;
    }),
    GetRolePolicy: onRole("iam:GetRolePolicy", async (role, params) => {
      const policyName = params.required("PolicyName");
      const document = await store.getRolePolicy(role, policyName);
      return (
        text("RoleName", (await store.getRole(role)).name) +
        text("PolicyName", policyName) +
        text("PolicyDocument", encodeDocument(document))
      );
    }),
    DeleteRolePolicy: onRole("iam:DeleteRolePolicy", async (role, params, caller) => {
      await store.deleteRolePolicy(role, params.required("PolicyName"), caller);
      return undefined;
    }),
    ListRolePolicies: onRole("iam:ListRolePolicies", async (role, params) => {
      const names = await store.listRolePolicies(role);
      const { items, tail } = pager.page(
        params,
        `ListRolePolicies:${lower({ name: role })}`,
        names,
        (n) => n,
      );
      return namesXml("PolicyNames", items) + tail;
    }),
    AttachRolePolicy: onRole(
      "iam:AttachRolePolicy",
      async (role, params, caller) =>
        void (await store.attachRolePolicy(role, params.required("PolicyArn"), caller)),
      (params) => ({ "iam:PolicyARN": params.get("PolicyArn") }),
    ),
    DetachRolePolicy: onRole(
      "iam:DetachRolePolicy",
      async (role, params, caller) =>
        void (await store.detachRolePolicy(role, params.required("PolicyArn"), caller)),
      (params) => ({ "iam:PolicyARN": params.get("PolicyArn") }),
    ),
    ListAttachedRolePolicies: onRole("iam:ListAttachedRolePolicies", async (role, params) => {
      const attached = await store.listAttachedRolePolicies(role);
      const list = `ListAttachedRolePolicies:${lower({ name: role })}`;
      const { items, tail } = pager.page(params, list, attached, lower);
      return attachedXml(items) + tail;
    }),
    PutRolePermissionsBoundary: onRole(
      "iam:PutRolePermissionsBoundary",
      async (role, params, caller) =>
        void (await store.putRolePermissionsBoundary(role, params.required("PermissionsBoundary"), caller)),
      (params) => ({ "iam:PermissionsBoundary": params.get("PermissionsBoundary") }),
    ),
    DeleteRolePermissionsBoundary: onRole(
      "iam:DeleteRolePermissionsBoundary",
      async (role, _params, caller) => void (await store.deleteRolePermissionsBoundary(role, caller)),
    ),
    ...tagging("Role", onRole, {
      tag: store.tagRole,
      untag: store.untagRole,
      tags: async (role) => (await store.getRole(role)).tags,
    }),

    async CreatePolicy(params, caller) {
      const name = params.required("PolicyName");
      const path = params.get("Path") ?? "/";
      const tags = params.tags();
      caller.authorize("iam:CreatePolicy", arn(caller, "policy", path, name), { context: tagContext(tags) });
      const document = checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "identity");
      const policy = await store.createPolicy(
        {
          name,
          path,
          document,
          tags,
          ...(description(params) !== undefined && { description: description(params)! }),
        },
        caller,
      );
      return policyXml(policy);
    },
    GetPolicy: onPolicy("iam:GetPolicy", async (policyArn) => policyXml(await store.getPolicy(policyArn))),
    CreatePolicyVersion: onPolicy("iam:CreatePolicyVersion", async (policyArn, params, caller) => {
      const document = checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "identity");
      const setAsDefault = flag(params, "SetAsDefault", false);
      const version = await store.createPolicyVersion(policyArn, document, setAsDefault, caller);
      return policyVersionXml(version, { document: false });
    }),
    GetPolicyVersion: onPolicy("iam:GetPolicyVersion", async (policyArn, params) =>
      policyVersionXml(await store.getPolicyVersion(policyArn, params.required("VersionId"))),
    ),
    ListPolicyVersions: onPolicy("iam:ListPolicyVersions", async (policyArn, params) => {
      const versions = await store.listPolicyVersions(policyArn);
      const { items, tail } = pager.page(params, `ListPolicyVersions:${policyArn}`, versions, (v) =>
        numberKey(Number(v.versionId.slice(1))),
      );
      return versionsXml(items) + tail;
    }),
    DeletePolicyVersion: onPolicy(
      "iam:DeletePolicyVersion",
      async (policyArn, params, caller) =>
        void (await store.deletePolicyVersion(policyArn, params.required("VersionId"), caller)),
    ),
    SetDefaultPolicyVersion: onPolicy(
      "iam:SetDefaultPolicyVersion",
      async (policyArn, params, caller) =>
        void (await store.setDefaultPolicyVersion(policyArn, params.required("VersionId"), caller)),
    ),
    ListEntitiesForPolicy: onPolicy("iam:ListEntitiesForPolicy", async (policyArn, params) => {
      const filter = params.get("EntityFilter");
      if (filter !== undefined && !ENTITY_FILTERS.includes(filter))
        throw validationError(
          `1 validation error detected: Value '${filter}' at 'entityFilter' must be one of ${ENTITY_FILTERS.join(", ")}`,
        );
      const usage = params.get("PolicyUsageFilter");
      if (usage !== undefined && usage !== "PermissionsPolicy" && usage !== "PermissionsBoundary")
        throw validationError(
          `1 validation error detected: Value '${usage}' at 'policyUsageFilter' must be PermissionsPolicy or PermissionsBoundary`,
        );
      const prefix = pathPrefix(params);
      const { attached, bounded } = await store.rolesUsingPolicy(policyArn);
      // Fawkes has roles only: no users or groups, so those filters list nothing.
      const roles =
        filter === undefined || filter === "Role"
          ? [
              ...(usage !== "PermissionsBoundary" ? attached : []),
              ...(usage !== "PermissionsPolicy" ? bounded : []),
            ].filter((role, index, all) => all.findIndex((r) => r.roleId === role.roleId) === index)
          : [];
      const { items, tail } = pager.page(
        params,
        `ListEntitiesForPolicy:${policyArn}`,
        roles.filter((role) => role.path.startsWith(prefix)),
        lower,
      );
      return (
        el("PolicyGroups") +
        el("PolicyUsers") +
        el(
          "PolicyRoles",
          items
            .map((role) => el("member", text("RoleName", role.name), text("RoleId", role.roleId)))
            .join(""),
        ) +
        tail
      );
    }),

    DeletePolicy: onPolicy(
      "iam:DeletePolicy",
      async (policyArn, _params, caller) => void (await store.deletePolicy(policyArn, caller)),
    ),
    async ListPolicies(params, caller) {
      caller.authorize("iam:ListPolicies", arn(caller, "policy", "/", "*"));
      const scope = params.get("Scope") ?? "All";
      if (!["All", "AWS", "Local"].includes(scope))
        throw validationError(
          `1 validation error detected: Value '${scope}' at 'scope' must be All, AWS or Local`,
        );
      const prefix = pathPrefix(params);
      const onlyAttached = flag(params, "OnlyAttached", false);
      // Fawkes has no AWS-managed policies: scope AWS lists nothing.
      const policies = scope === "AWS" ? [] : await store.listPolicies({ pathPrefix: prefix, onlyAttached });
      const { items, tail } = pager.page(params, "ListPolicies", policies, lower);
      return policiesXml(items) + tail;
    },
    ...tagging("Policy", onPolicy, {
      tag: store.tagPolicy,
      untag: store.untagPolicy,
      tags: async (policyArn) => (await store.getPolicy(policyArn)).tags,
    }),

    async CreateInstanceProfile(params, caller) {
      const name = params.required("InstanceProfileName");
      const path = params.get("Path") ?? "/";
      const tags = params.tags();
      caller.authorize("iam:CreateInstanceProfile", arn(caller, "instance-profile", path, name), {
        context: tagContext(tags),
      });
      return profileXml(await store.createInstanceProfile({ name, path, tags }, caller));
    },
    ...tagging("InstanceProfile", onProfile, {
      tag: store.tagInstanceProfile,
      untag: store.untagInstanceProfile,
      tags: async (profile) => (await store.getInstanceProfile(profile)).tags,
    }),
    GetInstanceProfile: onProfile("iam:GetInstanceProfile", async (profile) =>
      profileXml(await store.getInstanceProfile(profile)),
    ),
    DeleteInstanceProfile: onProfile(
      "iam:DeleteInstanceProfile",
      async (profile, _params, caller) => void (await store.deleteInstanceProfile(profile, caller)),
    ),
    async ListInstanceProfiles(params, caller) {
      caller.authorize("iam:ListInstanceProfiles", arn(caller, "instance-profile", "/", "*"));
      const profiles = await store.listInstanceProfiles(pathPrefix(params));
      const { items, tail } = pager.page(params, "ListInstanceProfiles", profiles, lower);
      return profilesXml(items) + tail;
    },
    async AddRoleToInstanceProfile(params, caller) {
      const profile = params.required("InstanceProfileName");
      const role = params.required("RoleName");
      caller.authorize("iam:AddRoleToInstanceProfile", await profileArn(caller, profile));
      await store.addRoleToInstanceProfile(profile, role, caller.accessKey, caller);
      return undefined;
    },
    async RemoveRoleFromInstanceProfile(params, caller) {
      const profile = params.required("InstanceProfileName");
      const role = params.required("RoleName");
      caller.authorize("iam:RemoveRoleFromInstanceProfile", await profileArn(caller, profile));
      await store.removeRoleFromInstanceProfile(profile, role, caller);
      return undefined;
    },
    ListInstanceProfilesForRole: onRole("iam:ListInstanceProfilesForRole", async (role, params) => {
      const profiles = await store.listInstanceProfilesForRole(role);
      const list = `ListInstanceProfilesForRole:${lower({ name: role })}`;
      const { items, tail } = pager.page(params, list, profiles, lower);
      return profilesXml(items) + tail;
    }),
  };

  return {
    name: "iam",
    xmlns: IAM_XMLNS,
    async handle({ action, params, caller }) {
      const handler = Object.hasOwn(handlers, action) ? handlers[action] : undefined;
      if (handler === undefined || caller === undefined) throw invalidAction("iam", action);
      try {
        return await handler(params, caller);
      } catch (error) {
        throw iamError(error);
      }
    },
  };
}
