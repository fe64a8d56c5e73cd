/**
 * IAM's XML shapes (the children of `<ActionResult>`), as awscli 2.9 and the SDK v3 parse them. A list renders
 * one page of items; its paging tail (`IsTruncated`, `Marker`) comes from paging.ts.
 */
import { el, text } from "../s3/xml.ts";
import type {
  AttachedPolicy,
  IamInstanceProfile,
  IamManagedPolicy,
  IamPolicyVersion,
  IamRole,
} from "./store.ts";

/** ISO 8601 without fractional seconds, as AWS sends and botocore parses. */
export const isoSeconds = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/** RFC 3986 percent-encoding of a policy document's JSON, as IAM returns every document (wire notes §10). */
export const encodeDocument = (document: unknown): string =>
  encodeURIComponent(JSON.stringify(document)).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );

const members = (items: readonly string[]): string => items.map((item) => el("member", item)).join("");

type Tags = Readonly<Record<string, string>>;

export const tagsXml = (tags: Tags | readonly (readonly [string, string])[]): string =>
  el(
    "Tags",
    members(
      (Array.isArray(tags) ? tags : Object.entries(tags)).map(
        ([key, value]: readonly [string, string]) => text("Key", key) + text("Value", value),
      ),
    ),
  );

const tagsIfAny = (tags: Tags): string => (Object.keys(tags).length > 0 ? tagsXml(tags) : "");

export function roleXml(role: IamRole, name = "Role"): string {
  return el(
    name,
    text("Path", role.path),
    text("RoleName", role.name),
    text("RoleId", role.roleId),
    text("Arn", role.arn),
    text("CreateDate", isoSeconds(role.createdAt)),
    text("AssumeRolePolicyDocument", encodeDocument(role.trustPolicy)),
    text("Description", role.description ?? undefined),
    text("MaxSessionDuration", role.maxSessionDurationSeconds),
    role.permissionsBoundaryArn === null
      ? ""
      : el(
          "PermissionsBoundary",
          text("PermissionsBoundaryType", "Policy"),
          text("PermissionsBoundaryArn", role.permissionsBoundaryArn),
        ),
    tagsIfAny(role.tags),
  );
}

export const rolesXml = (roles: readonly IamRole[]): string =>
  el("Roles", roles.map((role) => roleXml(role, "member")).join(""));

export function policyXml(policy: IamManagedPolicy, name = "Policy"): string {
  return el(
    name,
    text("PolicyName", policy.name),
    text("PolicyId", policy.policyId),
    text("Arn", policy.arn),
    text("Path", policy.path),
    text("DefaultVersionId", policy.defaultVersionId),
    text("AttachmentCount", policy.attachmentCount),
    text("PermissionsBoundaryUsageCount", policy.permissionsBoundaryUsageCount),
    text("IsAttachable", true),
    text("Description", policy.description ?? undefined),
    text("CreateDate", isoSeconds(policy.createdAt)),
    text("UpdateDate", isoSeconds(policy.updatedAt)),
    tagsIfAny(policy.tags),
  );
}

export const policiesXml = (policies: readonly IamManagedPolicy[]): string =>
  el("Policies", policies.map((policy) => policyXml(policy, "member")).join(""));

/** A version: with its document (GetPolicyVersion, CreatePolicyVersion's answer has none) or without. */
export function policyVersionXml(
  version: IamPolicyVersion,
  options: { name?: string; document?: boolean } = {},
): string {
  return el(
    options.name ?? "PolicyVersion",
    options.document === false ? "" : text("Document", encodeDocument(version.document)),
    text("VersionId", version.versionId),
    text("IsDefaultVersion", version.isDefaultVersion),
    text("CreateDate", isoSeconds(version.createdAt)),
  );
}

export const versionsXml = (versions: readonly IamPolicyVersion[]): string =>
  el("Versions", versions.map((v) => policyVersionXml(v, { name: "member", document: false })).join(""));

export const attachedXml = (attached: readonly AttachedPolicy[]): string =>
  el(
    "AttachedPolicies",
    members(attached.map((policy) => text("PolicyName", policy.name) + text("PolicyArn", policy.arn))),
  );

export function profileXml(profile: IamInstanceProfile, name = "InstanceProfile"): string {
  return el(
    name,
    text("Path", profile.path),
    text("InstanceProfileName", profile.name),
    text("InstanceProfileId", profile.instanceProfileId),
    text("Arn", profile.arn),
    text("CreateDate", isoSeconds(profile.createdAt)),
    el("Roles", profile.roles.map((role) => roleXml(role, "member")).join("")),
    tagsIfAny(profile.tags),
  );
}

export const profilesXml = (profiles: readonly IamInstanceProfile[]): string =>
  el("InstanceProfiles", profiles.map((profile) => profileXml(profile, "member")).join(""));

export const namesXml = (element: string, names: readonly string[]): string =>
  el(element, names.map((name) => text("member", name)).join(""));
