/**
 * The workshop's own templates, unchanged (`shared/seed/` next to the repository, or their byte-identical copies in
 * `test/instances/fixtures/` in a checkout without it): the infrastructure stack makes its network, its bucket
 * `devops-part-four`, its role and two instances with elastic addresses; the app server stack, given the
 * infrastructure's subnet and security group as the workshop's deploy script finds them, boots the workshop's user
 * data behind its own elastic address; both delete cleanly, leaving no instance, address, listener or directory.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import { allocateAddress, allocateElasticAddress, listeningAddresses } from "@fawkes/cloud";
import { waitFor } from "@fawkes/testing";
import { SYSTEM_CALLER } from "../../src/stacks/providers.ts";
import {
  alive,
  createdStack,
  instanceOf,
  SEED,
  SEED_FIXTURES,
  SEED_TEMPLATES,
  seedTemplate,
  site,
  skip,
  startRuntime,
} from "./support.ts";

/** Whether something accepts TCP connections on `host:port`. */
const listening = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });

test(
  "the committed fixtures are the seed templates byte for byte",
  { skip: SEED ? false : "no shared/seed" },
  async () => {
    for (const file of SEED_TEMPLATES)
      assert.equal(
        await readFile(path.join(SEED_FIXTURES, file), "utf8"),
        await readFile(path.join(SEED!, file), "utf8"),
      );
  },
);

test(
  "the workshop's infrastructure and app server templates, unchanged, create and delete cleanly",
  { skip, timeout: 240_000 },
  async (t) => {
    const at = await site(t);
    const { cloud, ok } = await startRuntime(t, at);
    const create = async (
      name: string,
      file: (typeof SEED_TEMPLATES)[number],
      parameters: Record<string, string> = {},
    ) => {
      const done = await createdStack(cloud, name, await seedTemplate(file), parameters);
      const failed = (await cloud.stacks.events(done.stackId)).filter((e) => e.status.endsWith("_FAILED"));
      assert.equal(done.status, "CREATE_COMPLETE", JSON.stringify(failed));
      return done;
    };
    // Another server on this host listens on the addresses this one would pick first: they are skipped.
    const occupied = [
      allocateAddress(listeningAddresses("127.100.")),
      allocateElasticAddress(listeningAddresses("127.101.")),
    ];
    for (const ip of occupied) {
      const other = net.createServer();
      await new Promise<void>((resolve) => other.listen(0, ip, resolve));
      t.after(() => other.close());
    }
    const infrastructure = await create("infrastructure", "infrastructure-template.json");
    const resources = await cloud.stacks.resources("infrastructure");
    const physical = (logicalId: string) =>
      resources.find((r) => r.logicalId === logicalId)?.physicalId ?? "";
    assert.equal(physical("S3Bucket"), "devops-part-four");
    await ok("s3api", "head-bucket", "--bucket", "devops-part-four");
    const ciMaster = await instanceOf(cloud, "infrastructure", "EC2InstanceCIMaster");
    const ciSlave = await instanceOf(cloud, "infrastructure", "EC2InstanceCISlave");
    assert.equal(ciMaster.state, "running");
    assert.equal(ciSlave.state, "running");
    assert.equal(ciMaster.instanceProfileArn, null);
    assert.match(ciSlave.roleArn ?? "", /:role\/infrastructure-RoleForCISlave-/);
    assert.deepEqual(ciSlave.tags, { Name: "CI Slave" });
    const outputs = Object.fromEntries(infrastructure.outputs.map((o) => [o.key, o.value]));
    assert.equal(outputs.CIMasterPrivateIp, ciMaster.privateIp);
    assert.match(ciMaster.privateIp, /^127\.100\./);
    // The public addresses are the elastic addresses the stack allocated and associated.
    assert.match(outputs.CIMasterPublicIp ?? "", /^127\.101\.\d+\.\d+$/);
    assert.match(outputs.CISlavePublicIp ?? "", /^127\.101\.\d+\.\d+$/);
    assert.notEqual(outputs.CIMasterPublicIp, outputs.CISlavePublicIp);
    assert.equal(physical("EIPCIMaster"), outputs.CIMasterPublicIp);
    assert.equal(physical("EIPCISlave"), outputs.CISlavePublicIp);
    const associated = async (ip: string) => (await cloud.addresses.find(ip))?.instanceId;
    assert.equal(await associated(outputs.CIMasterPublicIp!), ciMaster.instanceId);
    assert.equal(await associated(outputs.CISlavePublicIp!), ciSlave.instanceId);

    const app = await create("app-server-build-1", "app-server-template.json", {
      SubnetId: physical("Subnet"),
      SecurityGroupId: physical("SecurityGroup"),
      BuildNumber: "1",
    });
    const appServer = await instanceOf(cloud, app.stackId, "EC2InstanceAppServer");
    // The workshop's user data runs (offline: its apt-get lines fail, as they would without a network).
    await waitFor(
      async () =>
        /Cloud-init v\. .* running 'init'/.test(
          (await cloud.instances.console(appServer.instanceId)).toString(),
        ),
      { timeoutMs: 20_000, message: "the app server's boot to start" },
    );
    assert.deepEqual(appServer.tags, { Name: "App Server - Build 1" });
    // The ports the security group opens to the host: 22 and 8080 (from 0.0.0.0/0; 1024-65535 is another CIDR).
    assert.deepEqual(cloud.instances.exposedPorts(appServer.instanceId), [22, 8080]);
    const appIp = (await cloud.stacks.resources(app.stackId)).find(
      (r) => r.logicalId === "EIPAppServer",
    )?.physicalId;
    assert.match(appIp ?? "", /^127\.101\./);
    assert.equal(await associated(appIp!), appServer.instanceId);
    assert.deepEqual(cloud.addresses.ports(appIp!), [22, 8080]);
    await waitFor(() => listening(appIp!, 8080), { timeoutMs: 10_000, message: `${appIp}:8080 to listen` });

    for (const ip of occupied)
      assert.ok(
        ![
          ciMaster.privateIp,
          ciSlave.privateIp,
          appServer.privateIp,
          ...Object.values(outputs),
          appIp,
        ].includes(ip),
        `${ip} was taken`,
      );
    const publicIps = [outputs.CIMasterPublicIp!, outputs.CISlavePublicIp!, appIp!];
    const pids = [ciMaster, ciSlave, appServer].map((i) => cloud.instances.hostPid(i.instanceId)!);
    for (const stack of [app, infrastructure]) {
      await cloud.stacks.delete(stack.stackId, SYSTEM_CALLER);
      await cloud.stacks.settled(stack.stackId);
    }
    assert.equal((await cloud.stacks.describe(app.stackId)).status, "DELETE_COMPLETE");
    assert.equal((await cloud.stacks.describe(infrastructure.stackId)).status, "DELETE_COMPLETE");
    assert.deepEqual(await cloud.instances.list(), []);
    assert.deepEqual(await cloud.addresses.list(), []);
    for (const ip of publicIps) {
      assert.deepEqual(cloud.addresses.ports(ip), []);
      for (const port of [22, 8080])
        assert.equal(await listening(ip, port), false, `${ip}:${port} still listens`);
    }
    for (const pid of pids) assert.equal(alive(pid), false);
    assert.deepEqual(await readdir(path.join(at.dataDir, "instances")), []);
    const mounts = await readFile("/proc/self/mountinfo", "utf8");
    assert.equal(mounts.includes(at.dataDir), false, "a mount under the data directory is left");
    const bucket = await cloud.stacks.resources(infrastructure.stackId);
    assert.ok(
      bucket.every((r) => r.status === "DELETE_COMPLETE"),
      JSON.stringify(bucket),
    );
  },
);
