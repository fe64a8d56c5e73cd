/**
 * Stable addresses on a real cloud runtime (startCloud: the store, the stack engine, the EC2 API) with a fake
 * InstanceLookup whose "instances" are plain HTTP servers on 127.100.x.y: EIP and EIPAssociation through stacks,
 * a phoenix switch under load with zero failed requests, retiring the old build's stack, listeners back after a
 * restart, and `aws ec2 describe-addresses` through Debian's awscli.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http from "node:http";
import path from "node:path";
import test, { type TestContext } from "node:test";
import { addressBlock, probeHttp, startLoad, tempDir, testDatabase, waitFor } from "@fawkes/testing";
import {
  instanceLookup,
  type InstanceService,
  type LookedUpInstance,
} from "../../src/addresses/addresses.ts";
import { SYSTEM_ACTOR } from "../../src/http/actor.ts";
import { startCloud, type CloudRuntime } from "../../src/cloud/runtime.ts";
import { SYSTEM_CALLER, type StackCaller } from "../../src/stacks/providers.ts";
import { openDatabase } from "../../src/store/db.ts";
import { awsAs } from "../cloud/support.ts";

const instanceIp = addressBlock("127.100");
const elasticIp = addressBlock("127.101");
/** Stable addresses from this process's block (the next free one). */
const pickAddress = (inUse: ReadonlySet<string>): string => {
  for (;;) {
    const ip = elasticIp();
    if (!inUse.has(ip)) return ip;
  }
};

const NETWORK = JSON.stringify({
  Resources: {
    Web: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: "web",
        SecurityGroupIngress: [
          { IpProtocol: "tcp", FromPort: "8080", ToPort: "8080", CidrIp: "0.0.0.0/0" },
          { IpProtocol: "tcp", FromPort: "9090", ToPort: "9090", CidrIp: "10.0.0.0/24" },
        ],
      },
    },
    Address: { Type: "AWS::EC2::EIP", Properties: { Domain: "vpc", Tags: [{ Key: "Name", Value: "web" }] } },
  },
  Outputs: {
    AllocationId: { Value: { "Fn::GetAtt": ["Address", "AllocationId"] } },
    PublicIp: { Value: { Ref: "Address" } },
    GroupId: { Value: { Ref: "Web" } },
  },
});

/** A build's stack: the instance is made elsewhere (the instances work); the stack moves the address to it. */
const BUILD = JSON.stringify({
  Parameters: { AllocationId: { Type: "String" }, InstanceId: { Type: "String" } },
  Resources: {
    Move: {
      Type: "AWS::EC2::EIPAssociation",
      Properties: { AllocationId: { Ref: "AllocationId" }, InstanceId: { Ref: "InstanceId" } },
    },
  },
});

/** The seed's form: an EIP with InstanceId, associated as it is allocated. */
const SEED_STYLE = JSON.stringify({
  Parameters: { InstanceId: { Type: "String" } },
  Resources: {
    Address: { Type: "AWS::EC2::EIP", Properties: { Domain: "vpc", InstanceId: { Ref: "InstanceId" } } },
  },
});

interface FakeInstance extends LookedUpInstance {
  publicIp: string | null;
  server: http.Server;
  /** Answers the requests to `/hold` held so far (they wait until then). */
  release(): void;
}

/**
 * Instances shaped as the Instances service (`find` throws for an unknown id), seen through `instanceLookup`;
 * `terminate` runs the onTerminating listeners first, as the service does.
 */
class FakeInstances implements InstanceService {
  readonly all = new Map<string, FakeInstance>();
  readonly #terminating: ((instance: { instanceId: string; privateIp: string }) => Promise<void>)[] = [];
  async find(id: string) {
    const found = this.all.get(id);
    if (!found) throw new Error(`no instance ${id}`);
    return found;
  }
  exposedPorts(id: string) {
    return this.all.has(id) ? [8080] : [];
  }
  async setPublicIp(id: string, ip: string | null) {
    const instance = this.all.get(id);
    if (instance) instance.publicIp = ip;
  }
  onTerminating(listener: (instance: { instanceId: string; privateIp: string }) => Promise<void>) {
    this.#terminating.push(listener);
  }
  async launch(t: TestContext, name: string, groups: string[]): Promise<FakeInstance> {
    const privateIp = instanceIp();
    const held: http.ServerResponse[] = [];
    const server = http.createServer((request, response) => {
      if (request.url !== "/hold") return response.end(`${name}\n`);
      response.write(`${name} holding\n`);
      held.push(response);
    });
    server.keepAliveTimeout = 1;
    await new Promise<void>((resolve) => server.listen(8080, privateIp, resolve));
    t.after(() => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    });
    const instance: FakeInstance = {
      instanceId: `i-${randomBytes(9).toString("hex").slice(0, 17)}`,
      privateIp,
      state: "running",
      securityGroupIds: groups,
      publicIp: null,
      server,
      release: () => {
        for (const response of held.splice(0)) response.end(`${name} held\n`);
      },
    };
    this.all.set(instance.instanceId, instance);
    return instance;
  }
  async terminate(instance: FakeInstance): Promise<void> {
    instance.state = "shutting-down";
    for (const listener of this.#terminating) await listener(instance);
    await new Promise<void>((resolve) => instance.server.close(() => resolve()));
    instance.state = "terminated";
  }
}

async function setup(t: TestContext) {
  const dataDir = await tempDir(t, "fawkes-addresses-");
  const home = await tempDir(t, "fawkes-addresses-home-");
  const dataKey = randomBytes(32);
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dataDir, "fawkes.db"), {
    dataKey,
  });
  t.after(() => database.close());
  const instances = new FakeInstances();
  const start = async (): Promise<CloudRuntime> => {
    const cloud = await startCloud(
      { dataDir, host: "127.0.0.1", port: 0, dataKey, instances: instanceLookup(instances), pickAddress },
      database.db,
    );
    t.after(() => cloud.close());
    return cloud;
  };
  const cloud = await start();
  const admin = await cloud.accessKeys.ensureAdminKey();
  assert.ok(admin);
  return { cloud, instances, start, home, admin };
}

async function createStack(
  cloud: CloudRuntime,
  name: string,
  templateBody: string,
  parameters: Record<string, string> = {},
  caller: StackCaller = SYSTEM_CALLER,
) {
  const created = await cloud.stacks.create({ name, templateBody, parameters, capabilities: [], caller });
  await cloud.stacks.settled(created.stackId);
  return cloud.stacks.describe(created.stackId);
}

async function deleteStack(cloud: CloudRuntime, name: string): Promise<void> {
  const stack = await cloud.stacks.describe(name);
  await cloud.stacks.delete(name, SYSTEM_CALLER);
  await cloud.stacks.settled(stack.stackId);
  assert.equal((await cloud.stacks.describe(stack.stackId)).status, "DELETE_COMPLETE");
}

const output = (stack: { outputs: { key: string; value: string }[] }, key: string): string =>
  stack.outputs.find((o) => o.key === key)!.value;

const probe = (host: string, port = 8080): Promise<string> => probeHttp(host, port);

test(
  "a phoenix switch through stacks: zero failed requests, retire, restart, describe-addresses",
  { timeout: 120_000 },
  async (t) => {
    const { cloud, instances, start, home, admin } = await setup(t);
    const network = await createStack(cloud, "network", NETWORK);
    assert.equal(network.status, "CREATE_COMPLETE", network.statusReason ?? "");
    const allocationId = output(network, "AllocationId");
    const publicIp = output(network, "PublicIp");
    const groupId = output(network, "GroupId");
    assert.match(allocationId, /^eipalloc-[0-9a-f]{17}$/);
    assert.match(publicIp, /^127\.101\.\d+\.\d+$/);
    assert.equal(await probe(publicIp), "refused", "an address not associated listens on nothing");

    const a = await instances.launch(t, "A", [groupId]);
    const b = await instances.launch(t, "B", [groupId]);
    const build1 = await createStack(cloud, "app-build-1", BUILD, {
      AllocationId: allocationId,
      InstanceId: a.instanceId,
    });
    assert.equal(build1.status, "CREATE_COMPLETE", build1.statusReason ?? "");
    assert.equal(await probe(publicIp), "A");
    assert.equal(a.publicIp, publicIp, "the instance is told its public IP");
    assert.deepEqual(cloud.addresses.ports(publicIp), [8080, 9090]);
    assert.equal(await probe(publicIp, 9090), "closed", "9090 is open to 10.0.0.0/24 only");
    assert.equal(await probe(publicIp, 22), "refused");

    // A rule added by another stack opens a listener; deleting that stack closes it again.
    const ingress = JSON.stringify({
      Resources: {
        Extra: {
          Type: "AWS::EC2::SecurityGroupIngress",
          Properties: {
            GroupId: groupId,
            IpProtocol: "tcp",
            FromPort: 9191,
            ToPort: 9191,
            CidrIp: "0.0.0.0/0",
          },
        },
      },
    });
    assert.equal((await createStack(cloud, "extra-ingress", ingress)).status, "CREATE_COMPLETE");
    await waitFor(() => cloud.addresses.ports(publicIp).includes(9191), { message: "a listener on 9191" });
    await deleteStack(cloud, "extra-ingress");
    await waitFor(() => !cloud.addresses.ports(publicIp).includes(9191), { message: "9191 closed again" });
    assert.deepEqual(cloud.addresses.ports(publicIp), [8080, 9090]);

    const long = new Promise<string>((resolve, reject) =>
      http
        .get({ host: publicIp, port: 8080, path: "/hold", agent: false }, (response) => {
          let body = "";
          response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
          response.on("end", () => resolve(body)).on("error", reject);
        })
        .on("error", reject),
    );
    await waitFor(() => cloud.addresses.openConnections(a.privateIp) === 1, {
      message: "the long request open",
    });
    const load = startLoad(`http://${publicIp}:8080/`, { clients: 4, deadlineMs: 60_000 });
    t.after(() => load.stop());
    const answered = (name: string, after = 0) =>
      load.samples.filter((sample) => sample.body === name && sample.startedAt >= after).length;
    await waitFor(() => answered("A") >= 30, { message: "30 answers from A" });

    const build2 = await createStack(cloud, "app-build-2", BUILD, {
      AllocationId: allocationId,
      InstanceId: b.instanceId,
    });
    assert.equal(build2.status, "CREATE_COMPLETE", build2.statusReason ?? "");
    const moved = performance.now();
    assert.equal(b.publicIp, publicIp);
    assert.equal(a.publicIp, null);
    await waitFor(() => answered("B", moved) >= 30, { message: "30 answers from B" });

    // Retiring build 1: its association is no longer current, so deleting it leaves the address on B; then its
    // instance terminates, after its open connections drained.
    await deleteStack(cloud, "app-build-1");
    assert.equal((await cloud.addresses.find(allocationId))?.instanceId, b.instanceId);
    // A's termination waits until the connection still open to it has ended.
    let terminated = false;
    const terminating = instances.terminate(a).then(() => (terminated = true));
    await waitFor(() => a.state === "shutting-down", { message: "A shutting down" });
    // B answers meanwhile (these round trips also give a drain that would not wait the time to misbehave).
    for (let i = 0; i < 5; i++) assert.equal(await probe(publicIp), "B");
    assert.equal(cloud.addresses.openConnections(a.privateIp), 1);
    assert.equal(terminated, false, "not terminated while a connection is open");
    a.release();
    assert.equal(await long, "A holding\nA held\n");
    await terminating;
    assert.equal(cloud.addresses.openConnections(a.privateIp), 0);
    const retired = performance.now();
    await waitFor(() => answered("B", retired) >= 30, { message: "30 answers from B after the retire" });
    await load.stop();
    assert.deepEqual(load.failures(), [], "no request failed");
    assert.deepEqual(
      load.samples.filter((sample) => sample.startedAt >= moved && sample.body !== "B"),
      [],
      "every request sent after the move was answered by B",
    );

    // awscli's describe-addresses, with ids and filters.
    const aws = awsAs(cloud.url, home, admin);
    const describe = async (...args: string[]) => {
      const answer = await aws("ec2", "describe-addresses", ...args);
      assert.equal(answer.code, 0, answer.stderr);
      return (JSON.parse(answer.stdout) as { Addresses: Record<string, unknown>[] }).Addresses;
    };
    const [shown] = await describe("--filters", `Name=instance-id,Values=${b.instanceId}`);
    assert.ok(shown);
    assert.equal(shown.PublicIp, publicIp);
    assert.equal(shown.AllocationId, allocationId);
    assert.equal(shown.InstanceId, b.instanceId);
    assert.equal(shown.PrivateIpAddress, b.privateIp);
    assert.equal(shown.Domain, "vpc");
    assert.match(String(shown.AssociationId), /^eipassoc-/);
    assert.deepEqual(
      (shown.Tags as { Key: string; Value: string }[]).find((tag) => tag.Key === "Name"),
      { Key: "Name", Value: "web" },
    );
    assert.equal((await describe("--public-ips", publicIp)).length, 1);
    assert.equal((await describe("--allocation-ids", allocationId)).length, 1);
    assert.equal((await describe("--filters", "Name=tag:Name,Values=w*")).length, 1);
    assert.equal((await describe("--filters", `Name=instance-id,Values=${a.instanceId}`)).length, 0);
    const missing = await aws("ec2", "describe-addresses", "--allocation-ids", "eipalloc-00000000000000000");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /InvalidAllocationID\.NotFound/);

    // A restart: the listeners stop with the server and come back on start.
    await cloud.close();
    assert.equal(await probe(publicIp), "refused");
    const again = await start();
    assert.equal(await probe(publicIp), "B");
    assert.deepEqual(again.addresses.ports(publicIp), [8080, 9090]);

    // Deleting the network stack releases the address.
    await deleteStack(again, "app-build-2");
    assert.equal(await probe(publicIp), "refused", "deleting the current association detaches the address");
    assert.equal(b.publicIp, null);
    await deleteStack(again, "network");
    assert.equal(await again.addresses.find(allocationId), undefined);
    assert.deepEqual(await again.addresses.list(), []);
  },
);

test(
  "an EIP with InstanceId associates as it is allocated; the caller's rights are checked",
  { timeout: 60_000 },
  async (t) => {
    const { cloud, instances } = await setup(t);
    const a = await instances.launch(t, "A", []);
    const seeded = await createStack(cloud, "seed-style", SEED_STYLE, { InstanceId: a.instanceId });
    assert.equal(seeded.status, "CREATE_COMPLETE", seeded.statusReason ?? "");
    const [address] = await cloud.addresses.list();
    assert.ok(address);
    assert.equal(address.instanceId, a.instanceId);
    assert.equal(a.publicIp, address.publicIp);
    assert.deepEqual(cloud.addresses.ports(address.publicIp), [], "no security group: no listener");

    // update-stack with the next build's instance keeps the address and moves it there.
    const b = await instances.launch(t, "B", []);
    const updating = await cloud.stacks.update({
      name: "seed-style",
      usePreviousTemplate: true,
      parameters: { InstanceId: b.instanceId },
      capabilities: [],
      caller: SYSTEM_CALLER,
    });
    await cloud.stacks.settled(updating.stackId);
    const updated = await cloud.stacks.describe(updating.stackId);
    assert.equal(updated.status, "UPDATE_COMPLETE", updated.statusReason ?? "");
    const [moved] = await cloud.addresses.list();
    assert.deepEqual(
      [moved?.allocationId, moved?.publicIp, moved?.instanceId],
      [address.allocationId, address.publicIp, b.instanceId],
    );
    assert.equal(a.publicIp, null);
    assert.equal(b.publicIp, address.publicIp);

    await deleteStack(cloud, "seed-style");
    assert.deepEqual(await cloud.addresses.list(), []);
    assert.equal(b.publicIp, null);

    const asked: string[] = [];
    const refusing: StackCaller = {
      origin: { actor: SYSTEM_ACTOR },
      passer: SYSTEM_ACTOR,
      authorize(action) {
        asked.push(action);
        if (action === "ec2:AssociateAddress") throw new Error(`not authorized to perform: ${action}`);
      },
    };
    const refused = await createStack(cloud, "refused", SEED_STYLE, { InstanceId: a.instanceId }, refusing);
    assert.equal(refused.status, "ROLLBACK_COMPLETE");
    assert.deepEqual(asked.slice(0, 2), ["ec2:AllocateAddress", "ec2:AssociateAddress"]);
    assert.deepEqual(await cloud.addresses.list(), [], "nothing allocated, nothing left");

    // An instance that is not running cannot take an address: the stack rolls back, naming it.
    const gone = await createStack(cloud, "gone", SEED_STYLE, { InstanceId: "i-00000000000000000" });
    assert.equal(gone.status, "ROLLBACK_COMPLETE");
    const events = await cloud.stacks.events(gone.stackId);
    assert.ok(
      events.some((event) => /i-00000000000000000.*not in a valid state/.test(event.statusReason ?? "")),
    );
    assert.deepEqual(await cloud.addresses.list(), []);
  },
);
