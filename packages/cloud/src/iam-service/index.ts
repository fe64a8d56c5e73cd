/**
 * IAM's Query API on the cloud endpoint (`aws iam …`, the SDK's IAMClient): roles with trust, inline, managed
 * and boundary policies and tags, managed policies (one version, `v1`), and instance profiles. Every action is
 * authorised with the caller's key (`iam:CreateRole` on the role's ARN…) before it runs; policy documents are
 * checked here (MalformedPolicyDocument) and answered URL-encoded, as AWS does. Lists are never truncated.
 */
import { keyPrincipal } from "../iam/key-decision.ts";
import type { ContextValue } from "../iam/types.ts";
import { invalidAction } from "../query/handle.ts";
import type { QueryParams } from "../query/params.ts";
import type { QueryCaller, QueryService } from "../query/service.ts";
import { text } from "../s3/xml.ts";
import { checkedDocument, iamError, noSuchEntity } from "./errors.ts";
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

export function iamService(store: IamStore): QueryService {
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
      run: (role: string, params: QueryParams) => Promise<string | undefined>,
      context?: (params: QueryParams) => Record<string, ContextValue>,
    ): Handler =>
    async (params, caller) => {
      const role = params.required("RoleName");
      caller.authorize(
        action,
        await roleArn(caller, role),
        context ? { context: context(params) } : undefined,
      );
      return run(role, params);
    };
  const onProfile =
    (action: string, run: (profile: string, params: QueryParams) => Promise<string | undefined>): Handler =>
    async (params, caller) => {
      const profile = params.required("InstanceProfileName");
      caller.authorize(action, await profileArn(caller, profile));
      return run(profile, params);
    };
  const onPolicy =
    (action: string, run: (policyArn: string, params: QueryParams) => Promise<string | undefined>): Handler =>
    async (params, caller) => {
      const policyArn = params.required("PolicyArn");
      caller.authorize(action, policyArn);
      return run(policyArn, params);
    };
  const description = (params: QueryParams) => params.get("Description");

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
      const role = await store.createRole({
        name,
        path,
        trustPolicy,
        tags,
        ...(description(params) !== undefined && { description: description(params)! }),
        ...(maxSession !== undefined && { maxSessionDurationSeconds: maxSession }),
        ...(boundary !== undefined && { permissionsBoundaryArn: boundary }),
      });
      return roleXml(role);
    },
    GetRole: onRole("iam:GetRole", async (role) => roleXml(await store.getRole(role))),
    DeleteRole: onRole("iam:DeleteRole", async (role) => void (await store.deleteRole(role))),
    async ListRoles(params, caller) {
      caller.authorize("iam:ListRoles", arn(caller, "role", "/", "*"));
      return rolesXml(await store.listRoles(params.get("PathPrefix")));
    },
    UpdateAssumeRolePolicy: onRole("iam:UpdateAssumeRolePolicy", async (role, params) => {
      await store.updateTrustPolicy(
        role,
        checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "trust"),
      );
      return undefined;
    }),
    PutRolePolicy: onRole("iam:PutRolePolicy", async (role, params) => {
      const policyName = params.required("PolicyName");
      const document = checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "identity");
      await store.putRolePolicy(role, policyName, document);
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
    DeleteRolePolicy: onRole("iam:DeleteRolePolicy", async (role, params) => {
      await store.deleteRolePolicy(role, params.required("PolicyName"));
      return undefined;
    }),
    ListRolePolicies: onRole("iam:ListRolePolicies", async (role) =>
      namesXml("PolicyNames", await store.listRolePolicies(role)),
    ),
    AttachRolePolicy: onRole(
      "iam:AttachRolePolicy",
      async (role, params) => void (await store.attachRolePolicy(role, params.required("PolicyArn"))),
      (params) => ({ "iam:PolicyARN": params.get("PolicyArn") }),
    ),
    DetachRolePolicy: onRole(
      "iam:DetachRolePolicy",
      async (role, params) => void (await store.detachRolePolicy(role, params.required("PolicyArn"))),
      (params) => ({ "iam:PolicyARN": params.get("PolicyArn") }),
    ),
    ListAttachedRolePolicies: onRole("iam:ListAttachedRolePolicies", async (role) =>
      attachedXml(await store.listAttachedRolePolicies(role)),
    ),
    PutRolePermissionsBoundary: onRole(
      "iam:PutRolePermissionsBoundary",
      async (role, params) =>
        void (await store.putRolePermissionsBoundary(role, params.required("PermissionsBoundary"))),
      (params) => ({ "iam:PermissionsBoundary": params.get("PermissionsBoundary") }),
    ),
    DeleteRolePermissionsBoundary: onRole(
      "iam:DeleteRolePermissionsBoundary",
      async (role) => void (await store.deleteRolePermissionsBoundary(role)),
    ),
    TagRole: onRole(
      "iam:TagRole",
      async (role, params) => void (await store.tagRole(role, params.tags())),
      (params) => tagContext(params.tags()),
    ),
    UntagRole: onRole(
      "iam:UntagRole",
      async (role, params) => void (await store.untagRole(role, params.list("TagKeys"))),
      (params) => ({ "aws:TagKeys": params.list("TagKeys") }),
    ),
    ListRoleTags: onRole(
      "iam:ListRoleTags",
      async (role) => tagsXml((await store.getRole(role)).tags) + text("IsTruncated", false),
    ),

    async CreatePolicy(params, caller) {
      const name = params.required("PolicyName");
      const path = params.get("Path") ?? "/";
      caller.authorize("iam:CreatePolicy", arn(caller, "policy", path, name));
      const document = checkedDocument(params.required("PolicyDocument"), "PolicyDocument", "identity");
      const policy = await store.createPolicy({
        name,
        path,
        document,
        ...(description(params) !== undefined && { description: description(params)! }),
      });
      return policyXml(policy);
    },
    GetPolicy: onPolicy("iam:GetPolicy", async (policyArn) => policyXml(await store.getPolicy(policyArn))),
    GetPolicyVersion: onPolicy("iam:GetPolicyVersion", async (policyArn, params) => {
      const versionId = params.required("VersionId");
      const policy = await store.getPolicy(policyArn);
      if (versionId !== policy.defaultVersionId)
        throw noSuchEntity(`Policy ${policyArn} version ${versionId} does not exist or is not attachable.`);
      return policyVersionXml(policy);
    }),
    DeletePolicy: onPolicy(
      "iam:DeletePolicy",
      async (policyArn) => void (await store.deletePolicy(policyArn)),
    ),
    async ListPolicies(params, caller) {
      caller.authorize("iam:ListPolicies", arn(caller, "policy", "/", "*"));
      // Fawkes has no AWS-managed policies: scope AWS lists nothing.
      if (params.get("Scope") === "AWS") return policiesXml([]);
      const pathPrefix = params.get("PathPrefix");
      return policiesXml(
        await store.listPolicies({
          ...(pathPrefix !== undefined && { pathPrefix }),
          onlyAttached: params.get("OnlyAttached") === "true",
        }),
      );
    },

    async CreateInstanceProfile(params, caller) {
      const name = params.required("InstanceProfileName");
      const path = params.get("Path") ?? "/";
      const tags = params.tags();
      caller.authorize("iam:CreateInstanceProfile", arn(caller, "instance-profile", path, name), {
        context: tagContext(tags),
      });
      return profileXml(await store.createInstanceProfile({ name, path, tags }));
    },
    GetInstanceProfile: onProfile("iam:GetInstanceProfile", async (profile) =>
      profileXml(await store.getInstanceProfile(profile)),
    ),
    DeleteInstanceProfile: onProfile(
      "iam:DeleteInstanceProfile",
      async (profile) => void (await store.deleteInstanceProfile(profile)),
    ),
    async ListInstanceProfiles(params, caller) {
      caller.authorize("iam:ListInstanceProfiles", arn(caller, "instance-profile", "/", "*"));
      return profilesXml(await store.listInstanceProfiles(params.get("PathPrefix")));
    },
    async AddRoleToInstanceProfile(params, caller) {
      const profile = params.required("InstanceProfileName");
      const role = params.required("RoleName");
      caller.authorize("iam:AddRoleToInstanceProfile", await profileArn(caller, profile));
      await store.addRoleToInstanceProfile(profile, role, caller.accessKey);
      return undefined;
    },
    async RemoveRoleFromInstanceProfile(params, caller) {
      const profile = params.required("InstanceProfileName");
      const role = params.required("RoleName");
      caller.authorize("iam:RemoveRoleFromInstanceProfile", await profileArn(caller, profile));
      await store.removeRoleFromInstanceProfile(profile, role);
      return undefined;
    },
    ListInstanceProfilesForRole: onRole("iam:ListInstanceProfilesForRole", async (role) =>
      profilesXml(await store.listInstanceProfilesForRole(role)),
    ),
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
