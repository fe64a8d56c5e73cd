/**
 * The cloud endpoint: AWS-compatible services on one port (S3 now), with SigV4 authentication and
 * local-disk storage. See docs and DESIGN.md §3.
 */
export { startCloudEndpoint } from "./endpoint.ts";
export type { CloudEndpoint, CloudLogger, CloudOptions } from "./endpoint.ts";
export { memoryCredentialStore } from "./credentials.ts";
export { validBucketName } from "./storage/storage.ts";
export type { StorageOptions } from "./storage/create-storage.ts";
export type { S3StorageOptions } from "./storage/s3-storage.ts";
export type { LifecycleReport } from "./lifecycle/apply.ts";
export type { AccessKey, CredentialStore } from "./credentials.ts";
export type { Authorize, AuthorizeRequest } from "./s3/context.ts";
export * from "./iam/index.ts";
export { QueryParams, validationError } from "./query/params.ts";
export { invalidAction } from "./query/handle.ts";
export type { QueryCaller, QueryRequest, QueryService } from "./query/service.ts";
export { AwsError } from "./aws-error.ts";
export { escapeXml, text as xmlText, el as xmlElement } from "./s3/xml.ts";
export type { RoleDefinition, RoleLookup, WebIdentity, WebIdentityVerifier } from "./identity.ts";
export { createStsService, isoSeconds, STS_XMLNS } from "./sts/service.ts";
export type { StsOptions } from "./sts/service.ts";
export type {
  IssuedCredentials,
  PolicyLookup,
  RoleSessionRequest,
  SessionIssuer,
  UserSessionRequest,
} from "./sts/issuer.ts";
export type {
  AttachedPolicy,
  CreateInstanceProfileInput,
  CreatePolicyInput,
  CreateRoleInput as IamCreateRoleInput,
  IamInstanceProfile,
  IamManagedPolicy,
  IamPolicyVersion,
  IamRequester,
  IamRole,
  IamStore,
  RoleUpdate as IamRoleUpdate,
} from "./iam-service/store.ts";
export { iamService, IAM_XMLNS } from "./iam-service/index.ts";
export * from "./stacks/template/index.ts";
export { cloudFormationService, CLOUDFORMATION_XMLNS } from "./cloudformation/service.ts";
export type { StackBackend, StackEventView, StackResourceView, StackView } from "./cloudformation/service.ts";
export { WAIT_CONDITION_PATH, type WaitConditionReceiver } from "./cloudformation/wait-condition.ts";
export * from "./cloud-init/index.ts";
export * from "./providers/local/instances/index.ts";
export * from "./providers/local/addresses/index.ts";
export { ec2Service, EC2_XMLNS } from "./ec2/service.ts";
export type { Ec2Instance, Ec2InstanceState, InstanceSource } from "./ec2/instances.ts";
export type { AddressView, NetworkDirectory, NetworkRecord } from "./ec2/service.ts";
