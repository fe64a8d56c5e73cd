/**
 * REST DTOs of IAM roles, managed policies and instance profiles (`/api/v1/roles`, `/api/v1/policies`,
 * `/api/v1/instance-profiles`). Formats (names, paths, documents) are checked by the server, which names the
 * JSON path of each problem (`trustPolicy.Statement[0].Effect`) in the validation problem's `errors`.
 */
import { z } from "zod";

/** An IAM JSON policy document (`{"Version": "2012-10-17", "Statement": [...]}`). */
export const PolicyDocument = z.record(z.string(), z.unknown());
export type PolicyDocument = z.infer<typeof PolicyDocument>;

const Tags = z.record(z.string(), z.string());

/** A role; `createdAt` in epoch milliseconds. */
export const RoleDto = z.object({
  name: z.string(),
  /** `/` or `/a/b/`. */
  path: z.string(),
  /** `AROA…`. */
  roleId: z.string(),
  /** `arn:aws:iam::000000000000:role/PATH/NAME`. */
  arn: z.string(),
  /** Who may assume it (AssumeRolePolicyDocument). */
  trustPolicy: PolicyDocument,
  description: z.string().nullable(),
  maxSessionDurationSeconds: z.number().int(),
  permissionsBoundaryArn: z.string().nullable(),
  tags: Tags,
  createdAt: z.number().int(),
});
export type RoleDto = z.infer<typeof RoleDto>;

/** GET /api/v1/roles. */
export const RoleListDto = z.object({ roles: z.array(RoleDto) });
export type RoleListDto = z.infer<typeof RoleListDto>;

export const AttachedPolicyDto = z.object({ name: z.string(), arn: z.string() });
export type AttachedPolicyDto = z.infer<typeof AttachedPolicyDto>;

/** GET /api/v1/roles/:role: the role with its inline policies, attached policies and instance profiles. */
export const RoleDetailsDto = RoleDto.extend({
  inlinePolicies: z.array(z.object({ name: z.string(), document: PolicyDocument })),
  attachedPolicies: z.array(AttachedPolicyDto),
  /** Names of the instance profiles holding the role. */
  instanceProfiles: z.array(z.string()),
});
export type RoleDetailsDto = z.infer<typeof RoleDetailsDto>;

/** POST /api/v1/roles. */
export const CreateRoleRequest = z.strictObject({
  /** 1-64 letters, digits or `_+=,.@-`; unique without regard to case. */
  name: z.string(),
  /** @default "/" */
  path: z.string().optional(),
  trustPolicy: PolicyDocument,
  description: z.string().optional(),
  /** 3,600–43,200. @default 3600 */
  maxSessionDurationSeconds: z.number().int().optional(),
  /** ARN of a managed policy capping what the role's policies grant. */
  permissionsBoundaryArn: z.string().optional(),
  tags: Tags.optional(),
});
export type CreateRoleRequest = z.infer<typeof CreateRoleRequest>;

/** PUT /api/v1/roles/:role: replaces the trust policy. */
export const UpdateTrustPolicyRequest = z.strictObject({ trustPolicy: PolicyDocument });
export type UpdateTrustPolicyRequest = z.infer<typeof UpdateTrustPolicyRequest>;

/** PUT /api/v1/roles/:role/policies/:policy: creates or replaces an inline policy. */
export const PutRolePolicyRequest = z.strictObject({ document: PolicyDocument });
export type PutRolePolicyRequest = z.infer<typeof PutRolePolicyRequest>;

/** GET /api/v1/roles/:role/policies/:policy. */
export const RolePolicyDto = z.object({ role: z.string(), name: z.string(), document: PolicyDocument });
export type RolePolicyDto = z.infer<typeof RolePolicyDto>;

/** POST /api/v1/roles/:role/attached: attach a managed policy, by name or ARN. */
export const AttachPolicyRequest = z.strictObject({ policy: z.string().min(1) });
export type AttachPolicyRequest = z.infer<typeof AttachPolicyRequest>;

/** GET/POST /api/v1/roles/:role/attached. */
export const AttachedPolicyListDto = z.object({ attachedPolicies: z.array(AttachedPolicyDto) });
export type AttachedPolicyListDto = z.infer<typeof AttachedPolicyListDto>;

/** A managed policy; one version (`v1`). */
export const ManagedPolicyDto = z.object({
  name: z.string(),
  path: z.string(),
  /** `ANPA…`. */
  policyId: z.string(),
  /** `arn:aws:iam::000000000000:policy/PATH/NAME`. */
  arn: z.string(),
  description: z.string().nullable(),
  /** The default version's document: the one evaluated. */
  document: PolicyDocument,
  /** `v1`, `v2`, … */
  defaultVersionId: z.string(),
  attachmentCount: z.number().int(),
  permissionsBoundaryUsageCount: z.number().int(),
  tags: Tags,
  createdAt: z.number().int(),
  /** When its versions last changed. */
  updatedAt: z.number().int(),
});
export type ManagedPolicyDto = z.infer<typeof ManagedPolicyDto>;

/** GET /api/v1/policies. */
export const ManagedPolicyListDto = z.object({ policies: z.array(ManagedPolicyDto) });
export type ManagedPolicyListDto = z.infer<typeof ManagedPolicyListDto>;

/** POST /api/v1/policies. */
export const CreateManagedPolicyRequest = z.strictObject({
  /** 1-128 letters, digits or `_+=,.@-`. */
  name: z.string(),
  /** @default "/" */
  path: z.string().optional(),
  document: PolicyDocument,
  description: z.string().optional(),
  tags: Tags.optional(),
});
export type CreateManagedPolicyRequest = z.infer<typeof CreateManagedPolicyRequest>;

/** A version of a managed policy; `document` only when one version is asked for. */
export const PolicyVersionDto = z.object({
  /** `v1`, `v2`, … never reused within the policy. */
  versionId: z.string(),
  isDefaultVersion: z.boolean(),
  createdAt: z.number().int(),
  document: PolicyDocument.optional(),
});
export type PolicyVersionDto = z.infer<typeof PolicyVersionDto>;

/** GET /api/v1/policies/:policy/versions: oldest first, with their documents. */
export const PolicyVersionListDto = z.object({ versions: z.array(PolicyVersionDto) });
export type PolicyVersionListDto = z.infer<typeof PolicyVersionListDto>;

/** POST /api/v1/policies/:policy/versions (at most five versions: delete one first). */
export const CreatePolicyVersionRequest = z.strictObject({
  document: PolicyDocument,
  /** Make it the version evaluated from the next request on. @default true */
  setAsDefault: z.boolean().optional(),
});
export type CreatePolicyVersionRequest = z.infer<typeof CreatePolicyVersionRequest>;

/** PUT /api/v1/policies/:policy/default-version. */
export const SetDefaultPolicyVersionRequest = z.strictObject({ versionId: z.string() });
export type SetDefaultPolicyVersionRequest = z.infer<typeof SetDefaultPolicyVersionRequest>;

export const InstanceProfileDto = z.object({
  name: z.string(),
  path: z.string(),
  /** `AIPA…`. */
  instanceProfileId: z.string(),
  arn: z.string(),
  /** The name of its one role, or null. */
  role: z.string().nullable(),
  tags: Tags,
  createdAt: z.number().int(),
});
export type InstanceProfileDto = z.infer<typeof InstanceProfileDto>;

/** GET /api/v1/instance-profiles. */
export const InstanceProfileListDto = z.object({ instanceProfiles: z.array(InstanceProfileDto) });
export type InstanceProfileListDto = z.infer<typeof InstanceProfileListDto>;

/** POST /api/v1/instance-profiles; `role` is put in it at once (the caller must be allowed iam:PassRole). */
export const CreateInstanceProfileRequest = z.strictObject({
  name: z.string(),
  path: z.string().optional(),
  role: z.string().optional(),
  tags: Tags.optional(),
});
export type CreateInstanceProfileRequest = z.infer<typeof CreateInstanceProfileRequest>;

/** PUT /api/v1/instance-profiles/:profile/role. */
export const InstanceProfileRoleRequest = z.strictObject({ role: z.string().min(1) });
export type InstanceProfileRoleRequest = z.infer<typeof InstanceProfileRoleRequest>;

/** The local account every Fawkes principal belongs to. */
export const LOCAL_ACCOUNT_ID = "000000000000";
/** Fawkes's own OIDC issuer as trust policies name it (docs/identity.md). */
export const FAWKES_OIDC_PROVIDER_ARN = `arn:aws:iam::${LOCAL_ACCOUNT_ID}:oidc-provider/fawkes`;

/** The `fawkes:sub` pattern for a pipeline name or glob; a value starting `pipeline:` is taken as the whole pattern. */
export function pipelineSubject(glob: string): string {
  return glob.startsWith("pipeline:") ? glob : `pipeline:${glob}:stage:*:job:*`;
}

/**
 * The trust policy of docs/identity.md for jobs of `pipelines` (Fawkes's OIDC issuer, `fawkes:sub`) and, with
 * `agents`, for agents given the role (`ec2.amazonaws.com`; only the named agents when it lists names).
 */
export function roleTrustPolicy(
  pipelines: readonly string[],
  agents: boolean | readonly string[],
): PolicyDocument {
  const statements: object[] = [];
  if (pipelines.length > 0)
    statements.push({
      Effect: "Allow",
      Principal: { Federated: FAWKES_OIDC_PROVIDER_ARN },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringLike: {
          "fawkes:sub":
            pipelines.length === 1 ? pipelineSubject(pipelines[0]!) : pipelines.map(pipelineSubject),
        },
      },
    });
  if (agents !== false)
    statements.push({
      Effect: "Allow",
      Principal: { Service: "ec2.amazonaws.com" },
      Action: "sts:AssumeRole",
      ...(agents !== true &&
        agents.length > 0 && { Condition: { StringEquals: { "fawkes:agent": [...agents] } } }),
    });
  return { Version: "2012-10-17", Statement: statements };
}
