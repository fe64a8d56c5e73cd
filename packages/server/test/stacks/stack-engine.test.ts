/**
 * The stack engine over the suite's store, the real template engine, the network and IAM providers and a real
 * cloud endpoint's buckets: create and delete in dependency order (independent resources in parallel), rollback
 * of a failed create (or not, when disabled), refusals that write nothing, and an operation a stopped server left
 * finished by the next one.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import test, { type TestContext } from "node:test";
import {
  localResourceTypes,
  memoryCredentialStore,
  resourceTypeRegistry,
  startCloudEndpoint,
  type CloudEndpoint,
} from "@fawkes/cloud";
import { ErrorCode } from "@fawkes/protocol";
import { tempDir, testDatabase, waitFor, serviceTrustPolicy } from "@fawkes/testing";
import pino from "pino";
import { Identity } from "../../src/identity/iam-store.ts";
import { SYSTEM_ACTOR } from "../../src/http/actor.ts";
import { bucketProvider } from "../../src/stacks/local/bucket.ts";
import { iamProviders } from "../../src/stacks/local/iam.ts";
import { networkProviders } from "../../src/stacks/local/network.ts";
import { providerRegistry, type ResourceProvider, type StackCaller } from "../../src/stacks/providers.ts";
import { StackEngine } from "../../src/stacks/stack-engine.ts";
import { openDatabase, type OpenDatabase } from "../../src/store/db.ts";

const caller: StackCaller = { origin: { actor: SYSTEM_ACTOR }, passer: SYSTEM_ACTOR, authorize: () => {} };

/** A test type whose creates and deletes the test watches, and can hold or fail. */
class Probe implements ResourceProvider {
  readonly type = "Test::Probe";
  readonly created: string[] = [];
  readonly deleted: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  hold: Promise<void> | undefined;
  physicalId = (_props: Record<string, unknown>, ctx: { logicalId: string }) => `probe-${ctx.logicalId}`;
  async create(id: string, props: Record<string, unknown>, ctx: { signal: AbortSignal }) {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.hold)
        await Promise.race([
          this.hold,
          new Promise((_, reject) =>
            ctx.signal.addEventListener("abort", () => reject(new Error("aborted"))),
          ),
        ]);
      if (props.Fail) throw new Error(`probe ${id} was told to fail`);
      this.created.push(id);
      return { Name: id };
    } finally {
      this.inFlight--;
    }
  }
  async delete(id: string) {
    this.deleted.push(id);
  }
}

const types = resourceTypeRegistry([
  ...localResourceTypes.types().map((type) => localResourceTypes.get(type)!),
  { type: "Test::Probe", attributes: ["Name"], requiredProperties: [] },
]);

interface Fixture {
  database: OpenDatabase;
  endpoint: CloudEndpoint;
  identity: Identity;
  probe: Probe;
  engine(): StackEngine;
}

async function fixture(t: TestContext): Promise<Fixture> {
  const dir = await tempDir(t, "fawkes-stacks-");
  const dataKey = randomBytes(32);
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dir, "fawkes.db"), { dataKey });
  t.after(() => database.close());
  const endpoint = await startCloudEndpoint(
    { dataDir: dir, host: "127.0.0.1", port: 0, region: "us-east-1", lifecycleIntervalMs: 0 },
    memoryCredentialStore([]),
  );
  t.after(() => endpoint.close());
  const identity = new Identity(database.db);
  const probe = new Probe();
  const engine = () => {
    const stacks = new StackEngine({
      db: database.db,
      dataKey,
      providers: providerRegistry([
        ...networkProviders,
        ...iamProviders(identity),
        bucketProvider(endpoint.buckets, () => endpoint.url),
        probe,
      ]),
      types,
      region: "us-east-1",
      accountId: "000000000000",
      now: Date.now,
      log: pino({ level: "silent" }),
    });
    t.after(() => stacks.close());
    return stacks;
  };
  return { database, endpoint, identity, probe, engine };
}

const NETWORK_AND_STORAGE = JSON.stringify({
  AWSTemplateFormatVersion: "2010-09-09",
  Description: "network, a bucket and a role",
  Parameters: {
    Env: { Type: "String", AllowedValues: ["test", "prod"] },
    Secret: { Type: "String", NoEcho: true },
  },
  Resources: {
    Vpc: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
    Subnet: {
      Type: "AWS::EC2::Subnet",
      Properties: {
        VpcId: { Ref: "Vpc" },
        CidrBlock: "10.0.0.0/24",
        Tags: [{ Key: "Env", Value: { Ref: "Env" } }],
      },
    },
    Group: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: { GroupDescription: "web", VpcId: { Ref: "Vpc" } },
    },
    Bucket: { Type: "AWS::S3::Bucket" },
    Role: {
      Type: "AWS::IAM::Role",
      Properties: {
        AssumeRolePolicyDocument: serviceTrustPolicy(),
      },
    },
    Read: {
      Type: "AWS::IAM::Policy",
      Properties: {
        PolicyName: "read",
        PolicyDocument: {
          Version: "2012-10-17",
          Statement: [
            { Effect: "Allow", Action: "s3:GetObject", Resource: { "Fn::Sub": "${Bucket.Arn}/*" } },
          ],
        },
        Roles: [{ Ref: "Role" }],
      },
    },
    Profile: { Type: "AWS::IAM::InstanceProfile", Properties: { Roles: [{ Ref: "Role" }] } },
  },
  Outputs: {
    SubnetId: { Value: { Ref: "Subnet" }, Export: { Name: { "Fn::Sub": "${AWS::StackName}-subnet" } } },
    BucketName: { Value: { Ref: "Bucket" } },
  },
});

test("a stack is created in dependency order, reports its outputs, and is deleted in reverse", async (t) => {
  const { endpoint, identity, engine } = await fixture(t);
  const stacks = engine();
  const stack = await stacks.create({
    name: "infra",
    templateBody: NETWORK_AND_STORAGE,
    parameters: { Env: "test", Secret: "hunter2" },
    capabilities: ["CAPABILITY_IAM"],
    caller,
  });
  assert.equal(stack.status, "CREATE_IN_PROGRESS");
  await stacks.settled(stack.stackId);
  const done = await stacks.describe("infra");
  assert.equal(done.status, "CREATE_COMPLETE", done.statusReason ?? "");
  assert.deepEqual(stacks.parameters(done), { Env: "test", Secret: "****" }, "NoEcho values are masked");
  const outputs = Object.fromEntries(done.outputs.map((o) => [o.key, o]));
  assert.match(outputs.SubnetId!.value, /^subnet-[0-9a-f]{17}$/);
  assert.equal(outputs.SubnetId!.exportName, "infra-subnet");

  const resources = await stacks.resources("infra");
  assert.deepEqual(
    resources.map((r) => [r.logicalId, r.status]).sort(),
    ["Bucket", "Group", "Profile", "Read", "Role", "Subnet", "Vpc"].map((id) => [id, "CREATE_COMPLETE"]),
  );
  const bucket = resources.find((r) => r.logicalId === "Bucket")!.physicalId!;
  assert.equal(bucket, outputs.BucketName!.value);
  assert.match(bucket, /^infra-bucket-[a-z0-9]{13}$/);
  await endpoint.buckets.headBucket(bucket);
  const roleName = resources.find((r) => r.logicalId === "Role")!.physicalId!;
  assert.deepEqual(await identity.roles.listRolePolicies(roleName), ["read"]);
  const profile = await identity.instanceProfiles.getInstanceProfile(
    resources.find((r) => r.logicalId === "Profile")!.physicalId!,
  );
  assert.equal(profile.roles[0]?.name, roleName);

  // Events, newest first as DescribeStackEvents: every resource went IN_PROGRESS before COMPLETE, and each
  // resource started only after what it references completed.
  const events = (await stacks.events("infra")).reverse();
  const at = (logicalId: string, status: string) =>
    events.findIndex((e) => e.logicalId === logicalId && e.status === status);
  assert.equal(events[0]?.status, "CREATE_IN_PROGRESS");
  assert.equal(events[0]?.statusReason, "User Initiated");
  assert.equal(events.at(-1)?.status, "CREATE_COMPLETE");
  for (const [child, parent] of [
    ["Subnet", "Vpc"],
    ["Group", "Vpc"],
    ["Read", "Role"],
    ["Read", "Bucket"],
    ["Profile", "Role"],
  ] as const)
    assert.ok(at(child, "CREATE_IN_PROGRESS") > at(parent, "CREATE_COMPLETE"), `${child} after ${parent}`);

  await stacks.delete("infra", caller);
  await stacks.settled(stack.stackId);
  const deleted = await stacks.describe(stack.stackId);
  assert.equal(deleted.status, "DELETE_COMPLETE");
  await assert.rejects(stacks.describe("infra"), { code: ErrorCode.stackNotFound });
  await assert.rejects(endpoint.buckets.headBucket(bucket), { code: "NoSuchBucket" });
  await assert.rejects(identity.roles.getRole(roleName), { code: ErrorCode.roleNotFound });
  const deletes = (await stacks.events(stack.stackId)).reverse();
  const gone = (id: string) => deletes.findIndex((e) => e.logicalId === id && e.status === "DELETE_COMPLETE");
  const going = (id: string) =>
    deletes.findIndex((e) => e.logicalId === id && e.status === "DELETE_IN_PROGRESS");
  assert.ok(going("Role") > gone("Read") && going("Role") > gone("Profile"), "dependents first");
  assert.ok(going("Vpc") > gone("Subnet") && going("Vpc") > gone("Group"));
  // Deleting again (or a stack that never was) succeeds, as DeleteStack does.
  await stacks.delete("infra", caller);
  await stacks.delete("never-was", caller);
});

test("independent resources are created together, a chain one after another", async (t) => {
  const { probe, engine } = await fixture(t);
  const stacks = engine();
  const resources: Record<string, unknown> = {};
  for (const id of ["A", "B", "C", "D"]) resources[id] = { Type: "Test::Probe" };
  resources.Chain1 = { Type: "Test::Probe", Properties: { After: { "Fn::GetAtt": ["A", "Name"] } } };
  resources.Chain2 = { Type: "Test::Probe", DependsOn: "Chain1" };
  let release: () => void = () => {};
  probe.hold = new Promise((resolve) => (release = resolve));
  const stack = await stacks.create({
    name: "fan",
    templateBody: JSON.stringify({ Resources: resources }),
    parameters: {},
    capabilities: [],
    caller,
  });
  await waitFor(() => probe.inFlight === 4 || undefined, {
    timeoutMs: 10_000,
    message: "four creates at once",
  });
  release();
  await stacks.settled(stack.stackId);
  assert.equal((await stacks.describe("fan")).status, "CREATE_COMPLETE");
  assert.equal(probe.maxInFlight, 4, "A–D together, nothing of the chain before A");
  const order = probe.created;
  assert.ok(order.indexOf("probe-Chain1") > order.indexOf("probe-A"));
  assert.ok(order.indexOf("probe-Chain2") > order.indexOf("probe-Chain1"));
  await stacks.delete("fan", caller);
  await stacks.settled(stack.stackId);
  const deleted = probe.deleted;
  assert.ok(deleted.indexOf("probe-Chain2") < deleted.indexOf("probe-Chain1"));
  assert.ok(deleted.indexOf("probe-Chain1") < deleted.indexOf("probe-A"));
});

test("a failed create rolls back what it made; with rollback disabled it stays CREATE_FAILED", async (t) => {
  const { probe, endpoint, engine } = await fixture(t);
  const stacks = engine();
  const template = JSON.stringify({
    Resources: {
      Bucket: { Type: "AWS::S3::Bucket", Properties: { BucketName: "rollback-me" } },
      First: { Type: "Test::Probe" },
      Broken: { Type: "Test::Probe", DependsOn: ["First", "Bucket"], Properties: { Fail: true } },
      Never: { Type: "Test::Probe", DependsOn: "Broken" },
    },
  });
  const stack = await stacks.create({
    name: "doomed",
    templateBody: template,
    parameters: {},
    capabilities: [],
    caller,
  });
  await stacks.settled(stack.stackId);
  const rolled = await stacks.describe("doomed");
  assert.equal(rolled.status, "ROLLBACK_COMPLETE");
  const events = (await stacks.events("doomed")).reverse();
  const broken = events.find((e) => e.logicalId === "Broken" && e.status === "CREATE_FAILED");
  assert.equal(broken?.statusReason, "probe probe-Broken was told to fail");
  assert.ok(
    events.some(
      (e) =>
        e.logicalId === "doomed" &&
        e.status === "ROLLBACK_IN_PROGRESS" &&
        /\[Broken\]/.test(e.statusReason ?? ""),
    ),
  );
  assert.ok(!events.some((e) => e.logicalId === "Never"), "nothing after the failure started");
  assert.deepEqual(probe.deleted.sort(), ["probe-Broken", "probe-First"]);
  await assert.rejects(endpoint.buckets.headBucket("rollback-me"), { code: "NoSuchBucket" });
  // A rolled-back stack keeps its name until it is deleted.
  await assert.rejects(
    stacks.create({ name: "doomed", templateBody: template, parameters: {}, capabilities: [], caller }),
    { code: ErrorCode.stackAlreadyExists },
  );
  await stacks.delete("doomed", caller);
  await stacks.settled(stack.stackId);

  const kept = await stacks.create({
    name: "kept",
    templateBody: template.replace("rollback-me", "kept-bucket"),
    parameters: {},
    capabilities: [],
    disableRollback: true,
    caller,
  });
  await stacks.settled(kept.stackId);
  assert.equal((await stacks.describe("kept")).status, "CREATE_FAILED");
  await endpoint.buckets.headBucket("kept-bucket");
  await stacks.delete("kept", caller);
  await stacks.settled(kept.stackId);
  assert.equal((await stacks.describe(kept.stackId)).status, "DELETE_COMPLETE");
  await assert.rejects(endpoint.buckets.headBucket("kept-bucket"), { code: "NoSuchBucket" });
});

test("refused requests write nothing: bad template, bad parameter, missing capability, taken name", async (t) => {
  const { engine } = await fixture(t);
  const stacks = engine();
  const create = (
    name: string,
    templateBody: string,
    parameters: Record<string, string> = {},
    capabilities: string[] = [],
  ) => stacks.create({ name, templateBody, parameters, capabilities, caller });
  await assert.rejects(
    create("bad", '{\n  "Resources": {\n    "X": { "Type": "AWS::Nope::Thing" }\n  }\n}'),
    (error: { code: string; errors: { line: number; column: number; message: string }[] }) => {
      assert.equal(error.code, ErrorCode.templateInvalid);
      assert.ok(
        error.errors.some((e) => e.line === 3 && /AWS::Nope::Thing/.test(e.message)),
        JSON.stringify(error.errors),
      );
      return true;
    },
  );
  await assert.rejects(
    create("params", NETWORK_AND_STORAGE, { Env: "staging", Secret: "x" }, ["CAPABILITY_IAM"]),
    {
      code: ErrorCode.templateInvalid,
    },
  );
  await assert.rejects(create("caps", NETWORK_AND_STORAGE, { Env: "test", Secret: "x" }), {
    code: ErrorCode.insufficientCapabilities,
    message: /CAPABILITY_IAM/,
  });
  await assert.rejects(create("1bad-name", "{}"), { code: ErrorCode.templateInvalid });
  assert.deepEqual(await stacks.list(), []);
});

test("a create a stopped server left is failed and rolled back by the next start", async (t) => {
  const { probe, engine } = await fixture(t);
  const first = engine();
  probe.hold = new Promise(() => {});
  const stack = await first.create({
    name: "interrupted",
    templateBody: JSON.stringify({
      Resources: {
        Made: { Type: "Test::Probe", Properties: {} },
        Pending: { Type: "Test::Probe", DependsOn: "Made" },
      },
    }),
    parameters: {},
    capabilities: [],
    caller,
  });
  await waitFor(() => probe.inFlight === 1 || undefined, {
    timeoutMs: 10_000,
    message: "the create started",
  });
  await first.close();
  assert.equal((await first.describe("interrupted")).status, "CREATE_IN_PROGRESS", "left as it was");

  probe.hold = undefined;
  const second = engine();
  await second.start();
  await second.settled(stack.stackId);
  const recovered = await second.describe("interrupted");
  assert.equal(recovered.status, "ROLLBACK_COMPLETE");
  const made = (await second.resources("interrupted")).find((r) => r.logicalId === "Made");
  assert.equal(made?.status, "DELETE_COMPLETE");
  assert.deepEqual(probe.deleted, ["probe-Made"], "what was being made is deleted by its recorded id");
});
