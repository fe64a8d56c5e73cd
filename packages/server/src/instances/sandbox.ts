/**
 * Starting one instance's sandbox from its stored record: its user data opened, its metadata endpoint (identity,
 * signature, its role's session) built, `launchInstance` called. What runs is kept in memory by `Instances`.
 */
import path from "node:path";
import {
  launchInstance,
  type HostEndpoint,
  type IssuedCredentials,
  type RoleDefinition,
  type RunningInstance,
} from "@fawkes/cloud";
import { openSecret, sealSecret } from "../cloud/secret-box.ts";
import type { InstanceRecord } from "../store/instances-repo.ts";
import { signInstanceIdentity } from "./identity.ts";
import type { LaunchPlan } from "./launch-plan.ts";
import { instanceMetadataHandler, roleCredentials } from "./metadata.ts";

/** An instance running in this server. */
export interface LiveInstance {
  running: RunningInstance;
  /** The elastic address (read by its metadata endpoint at each request); null without one. */
  publicIp: string | null;
  exposedPorts: number[];
  /** The access key ids of the role sessions its metadata endpoint handed out (revoked when it terminates). */
  sessions: string[];
}

export interface SandboxDeps {
  dataKey: Buffer;
  identityKey: Buffer;
  instancesDir: string;
  region: string;
  accountId: string;
  now(): number;
  /** Issues the instance profile role's session (named after the instance) for its metadata endpoint. */
  issueSession(role: RoleDefinition, instanceId: string, durationSeconds: number): Promise<IssuedCredentials>;
  /** Bridged into every instance (AWS_ENDPOINT_URL, FAWKES_SERVER); read at each launch. */
  cloudEndpoint(): HostEndpoint | undefined;
  apiEndpoint?(): HostEndpoint | undefined;
}

const userDataBinding = (instanceId: string): string => `${instanceId}:user-data`;

/** A new instance's record, `pending` at `address`, its user data sealed. */
export function newInstanceRecord(
  input: { instanceId: string; stackId: string | null; logicalId: string | null; plan: LaunchPlan },
  address: string,
  now: number,
  dataKey: Buffer,
): InstanceRecord {
  const { plan } = input;
  return {
    instanceId: input.instanceId,
    state: "pending",
    stateReason: null,
    privateIp: address,
    publicIp: null,
    hostname: `ip-${address.replaceAll(".", "-")}`,
    imageId: plan.imageId,
    instanceType: plan.instanceType,
    keyName: plan.keyName,
    subnetId: plan.subnetId,
    securityGroupIds: plan.securityGroupIds,
    instanceProfileArn: plan.profile?.arn ?? null,
    roleArn: plan.profile?.role.arn ?? null,
    stackId: input.stackId,
    logicalId: input.logicalId,
    tags: plan.tags,
    userDataSealed: sealSecret(dataKey, plan.userData.toString("base64"), userDataBinding(input.instanceId)),
    launchedAt: now,
    terminatedAt: null,
  };
}

/** Boots the sandbox of `record` (fresh root, user data run in the background) with `role`'s credentials. */
export async function startSandbox(
  record: InstanceRecord,
  role: RoleDefinition | null,
  ports: readonly number[],
  deps: SandboxDeps,
): Promise<LiveInstance> {
  const id = record.instanceId;
  const userData = Buffer.from(
    openSecret(deps.dataKey, record.userDataSealed, userDataBinding(id)),
    "base64",
  );
  // `running` is set once the sandbox is up; the metadata endpoint reads the address from this object.
  const live = {
    publicIp: record.publicIp,
    exposedPorts: [...ports],
    sessions: [] as string[],
  } as LiveInstance;
  const credentials =
    role === null
      ? null
      : roleCredentials(
          role,
          async (r, seconds) => {
            const issued = await deps.issueSession(r, id, seconds);
            live.sessions.push(issued.accessKeyId);
            return issued;
          },
          () => deps.now(),
        );
  const metadata = instanceMetadataHandler(
    {
      instanceId: id,
      privateIp: record.privateIp,
      // Its own address is its public one until an elastic address is associated (as `PublicIp` says).
      publicIp: () => live.publicIp ?? record.privateIp,
      imageId: record.imageId,
      instanceType: record.instanceType,
      region: deps.region,
      accountId: deps.accountId,
      pendingTime: record.launchedAt,
      userData: userData.length === 0 ? null : userData.toString("utf8"),
      instanceProfileArn: record.instanceProfileArn,
    },
    credentials,
    (document) => signInstanceIdentity(deps.identityKey, document),
    () => deps.now(),
  );
  const cloudEndpoint = deps.cloudEndpoint();
  const apiEndpoint = deps.apiEndpoint?.();
  live.running = await launchInstance({
    id,
    address: record.privateIp,
    hostname: record.hostname,
    userData,
    instanceDir: path.join(deps.instancesDir, id),
    exposedPorts: live.exposedPorts,
    metadata,
    ...(cloudEndpoint && { cloudEndpoint }),
    ...(apiEndpoint && { apiEndpoint }),
  });
  return live;
}
