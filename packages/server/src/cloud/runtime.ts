/**
 * The cloud endpoint inside the server: started and closed with it, backed by the access keys table, and the
 * source of the AWS_* variables every job gets (so `aws s3 cp` and the SDKs reach it with no configuration).
 */
import { iamService, startCloudEndpoint, type CloudLogger } from "@fawkes/cloud";
import type { EnvVar } from "@fawkes/protocol";
import type { Kysely } from "kysely";
import type { Database } from "../store/schema.ts";
import { Identity } from "../identity/iam-store.ts";
import { ADMIN_POLICY, AccessKeys } from "./access-keys.ts";

/** Region the endpoint signs for and jobs are told to use. */
export const CLOUD_REGION = "us-east-1";
/** Upper bound of a job's key; it dies earlier, with the job's lease. */
export const JOB_KEY_MAX_LIFETIME_MS = 12 * 60 * 60 * 1000;

const CREDENTIAL_VARIABLES = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
];

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
  /** Roles (also the RoleLookup STS uses), managed policies and instance profiles. */
  readonly identity: Identity;
  /**
   * The AWS_* variables to add to a job: endpoint, region, and a fresh access key valid while this lease lives
   * (at most 12 h). Secrets are `secure`, so the agent masks them in the console log. A variable the job's
   * config already sets wins; config that sets any credential variable gets none of ours (no key is made).
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
}

export async function startCloud(options: StartCloudOptions, db: Kysely<Database>): Promise<CloudRuntime> {
  const now = options.now ?? Date.now;
  const accessKeys = new AccessKeys(db, options.dataKey, now);
  const identity = new Identity(db, now);
  const endpoint = await startCloudEndpoint(
    {
      dataDir: options.dataDir,
      host: options.host,
      port: options.port,
      region: CLOUD_REGION,
      log: options.log,
      services: [iamService(identity.iamStore)],
    },
    accessKeys.store,
  );
  const cloud: CloudRuntime = {
    url: endpoint.url,
    accessKeys,
    identity,
    async jobEnvironment(owner, configured) {
      const own = new Set(configured.map((variable) => variable.name));
      const variables: EnvVar[] = [
        { name: "AWS_ENDPOINT_URL", value: endpoint.url, secure: false },
        { name: "AWS_ENDPOINT_URL_S3", value: endpoint.url, secure: false },
        { name: "AWS_REGION", value: CLOUD_REGION, secure: false },
        { name: "AWS_DEFAULT_REGION", value: CLOUD_REGION, secure: false },
      ];
      await accessKeys.purgeDeadJobKeys();
      if (!CREDENTIAL_VARIABLES.some((name) => own.has(name))) {
        const { created } = await accessKeys.create({
          name: `job-${owner.pipeline}-${owner.counter}-${owner.stage}-${owner.job}`,
          // Until roles exist (the identity issue), a job may do what the administrator may.
          policy: ADMIN_POLICY,
          expiresAt: now() + JOB_KEY_MAX_LIFETIME_MS,
          job: { jobRunId: owner.jobRunId, leaseId: owner.leaseId },
        });
        variables.push(
          { name: "AWS_ACCESS_KEY_ID", value: created.accessKeyId, secure: true },
          { name: "AWS_SECRET_ACCESS_KEY", value: created.secretAccessKey, secure: true },
        );
      }
      return variables.filter((variable) => !own.has(variable.name));
    },
    close: () => endpoint.close(),
  };
  return cloud;
}
