/**
 * Phoenix instances in stacks, for tests: a cloud runtime (the server's cloud endpoint, stack engine and
 * instances) on a temp data directory and database, its admin key, awscli as that key, and templates in the
 * workshop's shape (its network, a role with an instance profile, one instance) without the elastic address.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { TestContext } from "node:test";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import {
  awsCli,
  repoRoot,
  serviceTrustPolicy,
  tempDir,
  testDatabase,
  waitFor,
  phoenixSkip,
} from "@fawkes/testing";
import { startCloud, type CloudRuntime } from "../../src/cloud/runtime.ts";
import type { InstanceRecord } from "../../src/instances/instances.ts";
import { SYSTEM_CALLER } from "../../src/stacks/providers.ts";
import type { StackRecord } from "../../src/store/stacks-repo.ts";
import { openDatabase, type OpenDatabase } from "../../src/store/db.ts";

export const skip = phoenixSkip();

export const SEED_TEMPLATES = ["infrastructure-template.json", "app-server-template.json"] as const;

/** Byte-identical copies of the seed templates, for a checkout without `shared/seed` beside it. */
export const SEED_FIXTURES = path.join(import.meta.dirname, "fixtures");

/** `shared/seed` in the nearest ancestor of the repository (a worktree sits deeper than the main checkout). */
function sharedSeed(): string | undefined {
  for (let dir = path.dirname(repoRoot); ; dir = path.dirname(dir)) {
    const seed = path.join(dir, "shared", "seed");
    if (existsSync(path.join(seed, SEED_TEMPLATES[0]))) return seed;
    if (dir === path.dirname(dir)) return undefined;
  }
}

/** The workshop's seed directory (`../shared/seed`), when the checkout has one beside it. */
export const SEED = sharedSeed();

/** The path of a seed template, unchanged. */
export const seedPath = (file: (typeof SEED_TEMPLATES)[number]): string =>
  path.join(SEED ?? SEED_FIXTURES, file);

/** A seed template's text, exactly as the workshop has it. */
export const seedTemplate = (file: (typeof SEED_TEMPLATES)[number]): Promise<string> =>
  readFile(seedPath(file), "utf8");

/** The Node running the tests: visible inside instances through the overlay. */
export const NODE = process.execPath;

export interface Site {
  dataDir: string;
  dataKey: Buffer;
  database: OpenDatabase;
  home: string;
}

/** A data directory, data key and database that several runtimes (a restart) can share. */
export async function site(t: TestContext): Promise<Site> {
  const dataDir = await tempDir(t, "fawkes-inst-data-");
  const home = await tempDir(t, "fawkes-inst-home-");
  const dataKey = randomBytes(32);
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dataDir, "fawkes.db"), {
    dataKey,
  });
  t.after(() => database.close());
  return { dataDir, dataKey, database, home };
}

export interface Runtime {
  cloud: CloudRuntime;
  key: { accessKeyId: string; secretAccessKey: string };
  /** Closes the runtime (once; the test's end closes it otherwise). */
  close(): Promise<void>;
  aws: ReturnType<typeof awsCli>;
  /** awscli that must succeed; its JSON output. */
  ok<T = Record<string, unknown>>(...args: string[]): Promise<T>;
  s3: S3Client;
}

/** A cloud runtime on `at`; the first one makes the admin key, a later one (a restart) is given it. */
export async function startRuntime(
  t: TestContext,
  at: Site,
  existingKey?: { accessKeyId: string; secretAccessKey: string },
): Promise<Runtime> {
  const cloud = await startCloud(
    { dataDir: at.dataDir, host: "127.0.0.1", port: 0, dataKey: at.dataKey, instanceGraceMs: 200 },
    at.database.db,
  );
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= cloud.close());
  t.after(close);
  const key = existingKey ?? (await cloud.accessKeys.ensureAdminKey());
  assert.ok(key, "a fresh database has no admin key yet");
  return { ...withKey(cloud, at.home, key), close };
}

export function withKey(
  cloud: CloudRuntime,
  home: string,
  key: { accessKeyId: string; secretAccessKey: string },
): Omit<Runtime, "close"> {
  const aws = awsCli(cloud.url, home, key);
  return {
    cloud,
    key,
    aws,
    async ok<T>(...args: string[]): Promise<T> {
      const result = await aws(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as T;
    },
    s3: new S3Client({
      endpoint: cloud.url,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: key,
      maxAttempts: 1,
    }),
  };
}

export async function putObject(runtime: Runtime, bucket: string, key: string, body: string): Promise<void> {
  await runtime.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await runtime.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
}

/** User data: fetch `s3://BUCKET/KEY` with the instance role's credentials and serve it on 0.0.0.0:8080. */
export function fetchAndServe(bucket: string, key: string): string {
  return [
    "#!/bin/sh",
    "set -e",
    "mkdir -p /opt/app",
    'imds="$AWS_EC2_METADATA_SERVICE_ENDPOINT"',
    "token=$(curl -sf -X PUT -H 'X-aws-ec2-metadata-token-ttl-seconds: 60' \"${imds}latest/api/token\")",
    'curl -sf -H "X-aws-ec2-metadata-token: $token" "${imds}latest/meta-data/iam/info" | tr -d "\\n "',
    "echo",
    `aws s3 cp s3://${bucket}/${key} /opt/app/build.txt`,
    'echo "booted $(date +%s%N)" > /opt/app/boot.txt',
    `exec ${NODE} -e 'const fs = require("fs"); require("http").createServer((q, s) => s.end(fs.readFileSync("/opt/app/build.txt", "utf8") + fs.readFileSync("/opt/app/boot.txt", "utf8"))).listen(8080, "0.0.0.0")'`,
    "",
  ].join("\n");
}

/**
 * The workshop's app-server shape without its EIP: network, a role trusted by EC2 with `actions` on every
 * object, its instance profile, and one instance with `userData` whose security group opens 8080.
 */
export function appTemplate(userData: string, actions: string[], trustService = "ec2.amazonaws.com"): string {
  return JSON.stringify({
    AWSTemplateFormatVersion: "2010-09-09",
    Parameters: { BuildNumber: { Type: "String", Default: "1" } },
    Resources: {
      VPC: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
      Subnet: {
        Type: "AWS::EC2::Subnet",
        Properties: { VpcId: { Ref: "VPC" }, CidrBlock: "10.0.0.0/24" },
      },
      SecurityGroup: {
        Type: "AWS::EC2::SecurityGroup",
        Properties: {
          GroupDescription: "app",
          VpcId: { Ref: "VPC" },
          SecurityGroupIngress: [
            { IpProtocol: "tcp", FromPort: "22", ToPort: "22", CidrIp: "10.0.0.0/24" },
            { IpProtocol: "tcp", FromPort: "8080", ToPort: "8080", CidrIp: "0.0.0.0/0" },
            { IpProtocol: "tcp", FromPort: "1024", ToPort: "65535", CidrIp: "0.0.0.0/0" },
          ],
        },
      },
      AppRole: {
        Type: "AWS::IAM::Role",
        Properties: {
          AssumeRolePolicyDocument: serviceTrustPolicy(trustService),
          Path: "/",
          Policies: [
            {
              PolicyName: "builds",
              PolicyDocument: {
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: actions, Resource: "*" }],
              },
            },
          ],
        },
      },
      AppProfile: {
        Type: "AWS::IAM::InstanceProfile",
        Properties: { Path: "/", Roles: [{ Ref: "AppRole" }] },
      },
      AppServer: {
        Type: "AWS::EC2::Instance",
        Properties: {
          ImageId: "ami-20bd1f57",
          InstanceType: "m1.medium",
          KeyName: "main",
          SubnetId: { Ref: "Subnet" },
          SecurityGroupIds: [{ Ref: "SecurityGroup" }],
          IamInstanceProfile: { Ref: "AppProfile" },
          Tags: [
            { Key: "Name", Value: { "Fn::Join": ["", ["App Server - Build ", { Ref: "BuildNumber" }]] } },
          ],
          UserData: { "Fn::Base64": userData },
        },
      },
    },
    Outputs: {
      PrivateIp: { Value: { "Fn::GetAtt": ["AppServer", "PrivateIp"] } },
      PublicIp: { Value: { "Fn::GetAtt": ["AppServer", "PublicIp"] } },
      InstanceId: { Value: { Ref: "AppServer" } },
    },
  });
}

/** GET `url` once something answers it with 200. */
export function getWhenUp(url: string, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    async () => {
      const response = await fetch(url).catch(() => undefined);
      return response?.ok ? await response.text() : undefined;
    },
    { timeoutMs, message: `${url} to answer` },
  );
}

/** Whether anything answers HTTP at `url` now (a refused or reset connection is no answer). */
export function answers(url: string): Promise<boolean> {
  return fetch(url).then(
    () => true,
    () => false,
  );
}

/** Creates a stack as the server (CAPABILITY_IAM given) and waits for its create to end; the stack then. */
export async function createdStack(
  cloud: CloudRuntime,
  name: string,
  templateBody: string,
  parameters: Record<string, string> = {},
): Promise<StackRecord> {
  const stack = await cloud.stacks.create({
    name,
    templateBody,
    parameters,
    capabilities: ["CAPABILITY_IAM"],
    caller: SYSTEM_CALLER,
  });
  await cloud.stacks.settled(stack.stackId);
  return cloud.stacks.describe(stack.stackId);
}

/** The instance a stack made for `logicalId`. */
export async function instanceOf(
  cloud: CloudRuntime,
  stack: string,
  logicalId: string,
): Promise<InstanceRecord> {
  const resource = (await cloud.stacks.resources(stack)).find((r) => r.logicalId === logicalId);
  assert.ok(resource?.physicalId, `${stack} has no ${logicalId}`);
  return cloud.instances.find(resource.physicalId);
}

/** Whether a process with this PID exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
