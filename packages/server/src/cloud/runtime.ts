/**
 * The cloud endpoint inside the server: started and closed with it, backed by the access keys and STS
 * sessions tables, and the source of the AWS_* variables every job gets (so `aws s3 cp` and the SDKs reach it
 * with no configuration). A job gets credentials only through a role: its role session's, or none at all.
 *
 * A job's role credentials come with its assignment (the session issued with its lease), not in these
 * variables: the agent sets AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN for each task, renewed
 * before a task when they run short (nothing bounds how long a job runs: GoCD's `timeout` counts minutes
 * *without console output*), and serves them at the job's metadata endpoint, renewed as clients ask. The job's
 * console says so once ({@link jobCredentialsNote}).
 */
import {
  cloudFormationService,
  createStsService,
  ec2Service,
  iamService,
  localResourceTypes,
  startCloudEndpoint,
  type CloudEndpoint,
  type CloudLogger,
  type CredentialStore,
  type HostEndpoint,
  type PolicyLookup,
  type WebIdentityVerifier,
} from "@fawkes/cloud";
import type { EnvVar } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import { Addresses, instanceLookup, type InstanceLookup } from "../addresses/addresses.ts";
import { addressViews, recordedSecurityGroups } from "../addresses/stack-records.ts";
import { Identity } from "../identity/iam-store.ts";
import { Instances } from "../instances/instances.ts";
import type { LaunchPlanSources } from "../instances/launch-plan.ts";
import { ec2Instances } from "../instances/ec2-source.ts";
import { stackBackend } from "../stacks/backend.ts";
import { addressProviders, announcingRuleChanges } from "../stacks/local/address.ts";
import { bucketProvider } from "../stacks/local/bucket.ts";
import { iamProviders } from "../stacks/local/iam.ts";
import { instanceProvider } from "../stacks/local/instance.ts";
import { networkProviders } from "../stacks/local/network.ts";
import { waitConditionProviders } from "../stacks/local/wait-condition.ts";
import { providerRegistry } from "../stacks/providers.ts";
import { StackEngine } from "../stacks/stack-engine.ts";
import type { Roles } from "../identity/roles.ts";
import { Sessions, type RoleDirectory } from "../identity/sessions.ts";
import { findManagedPolicyByArn } from "../store/managed-policies-repo.ts";
import type { Database } from "../store/schema.ts";
import { AccessKeys, LOCAL_ACCOUNT } from "./access-keys.ts";

/** Region the endpoint signs for and jobs are told to use. */
export const CLOUD_REGION = "us-east-1";

/**
 * The line a job with a role gets in its console, once, when its lease (and first session) is issued: how its
 * credentials are provided, never their values.
 */
export function jobCredentialsNote(roleArn: string): string {
  const role = roleArn.slice(roleArn.lastIndexOf("/") + 1);
  return (
    `cloud credentials of role ${role}: in AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN for each ` +
    "task (renewed before a task when under 15 minutes remain) and at this job's metadata endpoint " +
    "($AWS_EC2_METADATA_SERVICE_ENDPOINT, renewed as clients ask); a task that runs longer than its keys: " +
    "unset the three variables and AWS clients use the endpoint, or export fresh keys with " +
    'unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN; eval "$(aws configure export-credentials --format env)"'
  );
}

export interface JobKeyOwner {
  jobRunId: number;
  leaseId: string;
  pipeline: string;
  counter: number;
  stage: string;
  job: string;
}

export interface CloudRuntime {
  /** e.g. `http://127.0.0.1:8154`. */
  readonly url: string;
  readonly accessKeys: AccessKeys;
  /** Temporary credentials: STS sessions and jobs' role sessions. */
  readonly sessions: Sessions;
  /** Roles (also the RoleLookup STS uses), managed policies and instance profiles. */
  readonly identity: Identity;
  /** Stacks (CloudFormation's model), made by the local providers. */
  readonly stacks: StackEngine;
  /** Phoenix instances (EC2's model), launched by stacks. */
  readonly instances: Instances;
  /** Stable (elastic) addresses: allocated, associated with instances, served while associated. */
  readonly addresses: Addresses;
  /**
   * The AWS_* variables to add to a job: endpoint and region, never credentials (a job's role credentials come
   * from its metadata endpoint, renewed: see above). A variable the job's config already sets wins.
   */
  jobEnvironment(owner: JobKeyOwner, configured: readonly { name: string }[]): Promise<EnvVar[]>;
  close(): Promise<void>;
}

export interface StartCloudOptions {
  dataDir: string;
  host: string;
  /** 0 picks a free port. */
  port: number;
  dataKey: Buffer;
  log?: CloudLogger;
  now?: () => number;
  /** Roles STS and jobs assume. @default the roles store (identity/roles.ts) */
  roles?: RoleDirectory;
  /** Managed policies AssumeRole's `PolicyArns` name. @default the managed policies store */
  policies?: PolicyLookup;
  /** Verifies AssumeRoleWithWebIdentity's tokens. @default none (InvalidIdentityToken) */
  webIdentity?: WebIdentityVerifier;
  /** The REST API, bridged into instances as FAWKES_SERVER (read at each launch). @default none */
  apiEndpoint?: () => HostEndpoint | undefined;
  /** Time an instance's processes get between SIGTERM and SIGKILL on termination. @default 2000 */
  instanceGraceMs?: number;
  /** Told after every committed change of a stack (the web UI's live event stream). */
  stackChanged?(stack: { stackId: string; name: string }): void;
  /** The instances addresses are associated with. @default the server's own instances */
  instances?: InstanceLookup;
  /** Picks a stable address to allocate. @default the lowest free of 127.101.0.0/16 */
  pickAddress?: (inUse: ReadonlySet<string>) => string;
}

/** No instances: what addresses see until the instances service is given. */
const SILENT: CloudLogger = { info: () => {}, warn: () => {}, error: () => {} };

export async function startCloud(options: StartCloudOptions, db: Kysely<Database>): Promise<CloudRuntime> {
  const now = options.now ?? Date.now;
  const accessKeys = new AccessKeys(db, options.dataKey, now);
  const identity = new Identity(db, now);
  const sessions = new Sessions(
    db,
    options.dataKey,
    options.roles ?? storeRoles(identity.roles),
    accessKeys.store,
    now,
  );
  // `ASIA…` ids are temporary credentials (sessions), every other id a long-lived access key.
  const credentials: CredentialStore = {
    find: (id) => (id.startsWith("ASIA") ? sessions.store.find(id) : accessKeys.store.find(id)),
  };
  const sts = createStsService({
    roles: sessions.roles,
    issuer: sessions,
    now,
    policies: options.policies ?? {
      findPolicy: async (arn) => (await findManagedPolicyByArn(db, arn))?.document,
    },
    ...(options.webIdentity ? { webIdentity: options.webIdentity } : {}),
  });
  // The stack engine's bucket provider needs the endpoint's storage, and the endpoint its CloudFormation
  // service: the provider reaches the endpoint once it has started (no stack operation runs before).
  const started: { endpoint?: CloudEndpoint } = {};
  const running = (): CloudEndpoint => {
    if (!started.endpoint) throw new Error("the cloud endpoint is not running");
    return started.endpoint;
  };
  const network = { records: (type: string) => stacks.recordsOf(type) };
  const instances = new Instances({
    db,
    dataKey: options.dataKey,
    dataDir: options.dataDir,
    region: CLOUD_REGION,
    accountId: LOCAL_ACCOUNT,
    now,
    log: options.log ?? SILENT,
    // The instance profile role's session, named after the instance and assumed by the EC2 service.
    issueSession: (role, instanceId, durationSeconds) =>
      sessions.issue({
        kind: "role",
        role,
        sessionName: instanceId,
        durationSeconds,
        sessionPolicies: [],
        tags: {},
        assumedBy: "ec2.amazonaws.com",
      }),
    revokeSession: async (accessKeyId, origin) => {
      await sessions.revoke({ session: accessKeyId }, origin);
    },
    findRole: (arn) => sessions.roles.findRole(arn),
    network,
    cloudEndpoint: () => started.endpoint && loopbackEndpoint(started.endpoint.url),
    ...(options.apiEndpoint && { apiEndpoint: options.apiEndpoint }),
    ...(options.instanceGraceMs !== undefined && { terminateGraceMs: options.instanceGraceMs }),
  });
  const launchSources: LaunchPlanSources = {
    network,
    getInstanceProfile: (name) => identity.instanceProfiles.getInstanceProfile(name),
    findRole: (nameOrArn) => sessions.roles.findRole(nameOrArn),
    now,
  };
  // Addresses read security groups from the stack engine's records, and the engine makes addresses: the
  // records are read only once an address is associated or started (after both exist).
  const addresses = new Addresses({
    db,
    instances: options.instances ?? instanceLookup(instances),
    groups: recordedSecurityGroups((type) => stacks.recordsOf(type)),
    now,
    ...(options.log ? { log: options.log } : {}),
    ...(options.pickAddress ? { pickIp: options.pickAddress } : {}),
  });
  const stacks: StackEngine = new StackEngine({
    db,
    dataKey: options.dataKey,
    providers: providerRegistry([
      // Listeners follow security groups made or deleted, once their stack's operation has settled.
      ...announcingRuleChanges(networkProviders, (stackId) => {
        stacks
          .settled(stackId)
          .then(() => addresses.refreshRules())
          .catch((error: unknown) =>
            (options.log ?? SILENT).warn({ err: error }, "address rules not refreshed"),
          );
      }),
      ...iamProviders(identity),
      bucketProvider(
        {
          createBucket: (name) => running().buckets.createBucket(name),
          deleteBucket: (name) => running().buckets.deleteBucket(name),
          headBucket: (name) => running().buckets.headBucket(name),
        },
        () => running().url,
      ),
      instanceProvider(instances, launchSources),
      ...addressProviders(addresses),
      ...waitConditionProviders(options.dataKey, () => running().url),
    ]),
    types: localResourceTypes,
    region: CLOUD_REGION,
    accountId: LOCAL_ACCOUNT,
    now,
    log: options.log ?? SILENT,
    ...(options.stackChanged ? { changed: options.stackChanged } : {}),
  });
  const endpoint = await startCloudEndpoint(
    {
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      region: CLOUD_REGION,
      log: options.log,
      now,
      services: [
        sts,
        iamService(identity.iamStore),
        cloudFormationService(stackBackend(stacks, now)),
        ec2Service(
          {
            ...network,
            addresses: async () => addressViews(await addresses.list(), (type) => stacks.recordsOf(type)),
          },
          {
            account: LOCAL_ACCOUNT,
            region: CLOUD_REGION,
            instances: ec2Instances(instances, CLOUD_REGION),
          },
        ),
      ],
      waitConditions: stacks.signals,
    },
    credentials,
  );
  started.endpoint = endpoint;
  await addresses.start();
  await instances.start();
  await stacks.start();
  const cloud: CloudRuntime = {
    url: endpoint.url,
    accessKeys,
    sessions,
    identity,
    stacks,
    addresses,
    instances,
    async jobEnvironment(_owner, configured) {
      const own = new Set(configured.map((variable) => variable.name));
      const variables: EnvVar[] = [
        { name: "AWS_ENDPOINT_URL", value: endpoint.url, secure: false },
        { name: "AWS_ENDPOINT_URL_S3", value: endpoint.url, secure: false },
        { name: "AWS_REGION", value: CLOUD_REGION, secure: false },
        { name: "AWS_DEFAULT_REGION", value: CLOUD_REGION, secure: false },
      ];
      return variables.filter((variable) => !own.has(variable.name));
    },
    async close() {
      await stacks.close();
      await instances.close();
      await addresses.close();
      await endpoint.close();
    },
  };
  return cloud;
}

/** Where an instance reaches the endpoint: its port on loopback (an endpoint bound to all addresses too). */
function loopbackEndpoint(url: string): HostEndpoint {
  const { hostname, port } = new URL(url);
  const host = hostname === "0.0.0.0" || hostname === "[::]" || hostname === "::" ? "127.0.0.1" : hostname;
  return { host, port: Number(port) };
}

/** The roles store as STS and jobs see it; `createRole` makes `fawkes up`'s role with one inline policy. */
function storeRoles(roles: Roles): RoleDirectory {
  return {
    findRole: (nameOrArn, executor) => roles.findRole(nameOrArn, executor),
    async createRole(input) {
      await roles.createRole({
        name: input.name,
        description: input.description,
        trustPolicy: input.trustPolicy,
      });
      await roles.putRolePolicy(input.name, input.policyName, input.policy);
    },
  };
}
