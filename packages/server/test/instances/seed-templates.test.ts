/**
 * The workshop's own templates (`../shared/seed/`, copied to `test/instances/fixtures/`) with their elastic
 * addresses taken out (the EIP providers are another change; the lead runs the unchanged ones once they land):
 * the infrastructure stack makes its network, bucket, role and two instances; the app server stack, given the
 * infrastructure's subnet and security group as the workshop's deploy script finds them, boots the workshop's
 * user data; both delete cleanly, leaving no instance.
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { waitFor } from "@fawkes/testing";
import { SYSTEM_CALLER } from "../../src/stacks/providers.ts";
import { alive, createdStack, instanceOf, site, skip, startRuntime } from "./support.ts";

const FIXTURES = path.join(import.meta.dirname, "fixtures");

/** The template without its `AWS::EC2::EIP` resources. */
async function withoutEips(file: string): Promise<string> {
  const template = JSON.parse(await readFile(path.join(FIXTURES, file), "utf8")) as {
    Resources: Record<string, { Type: string }>;
  };
  for (const [name, resource] of Object.entries(template.Resources))
    if (resource.Type === "AWS::EC2::EIP") delete template.Resources[name];
  return JSON.stringify(template);
}

test(
  "the workshop's infrastructure and app server templates (without EIPs) create and delete cleanly",
  { skip, timeout: 240_000 },
  async (t) => {
    const at = await site(t);
    const { cloud } = await startRuntime(t, at);
    const create = async (name: string, templateBody: string, parameters: Record<string, string> = {}) => {
      const done = await createdStack(cloud, name, templateBody, parameters);
      assert.equal(done.status, "CREATE_COMPLETE", JSON.stringify(await cloud.stacks.events(done.stackId)));
      return done;
    };
    const infrastructure = await create("infrastructure", await withoutEips("infrastructure-template.json"));
    const resources = await cloud.stacks.resources("infrastructure");
    const physical = (logicalId: string) =>
      resources.find((r) => r.logicalId === logicalId)?.physicalId ?? "";
    const ciMaster = await instanceOf(cloud, "infrastructure", "EC2InstanceCIMaster");
    const ciSlave = await instanceOf(cloud, "infrastructure", "EC2InstanceCISlave");
    assert.equal(ciMaster.state, "running");
    assert.equal(ciSlave.state, "running");
    assert.equal(ciMaster.instanceProfileArn, null);
    assert.match(ciSlave.roleArn ?? "", /:role\/infrastructure-RoleForCISlave-/);
    assert.deepEqual(ciSlave.tags, { Name: "CI Slave" });
    const outputs = Object.fromEntries(infrastructure.outputs.map((o) => [o.key, o.value]));
    assert.equal(outputs.CIMasterPrivateIp, ciMaster.privateIp);
    assert.equal(outputs.CISlavePublicIp, ciSlave.privateIp);

    const app = await create("app-server-build-1", await withoutEips("app-server-template.json"), {
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

    const pids = [ciMaster, ciSlave, appServer].map((i) => cloud.instances.hostPid(i.instanceId)!);
    for (const stack of [app, infrastructure]) {
      await cloud.stacks.delete(stack.stackId, SYSTEM_CALLER);
      await cloud.stacks.settled(stack.stackId);
    }
    assert.equal((await cloud.stacks.describe(app.stackId)).status, "DELETE_COMPLETE");
    assert.equal((await cloud.stacks.describe(infrastructure.stackId)).status, "DELETE_COMPLETE");
    assert.deepEqual(await cloud.instances.list(), []);
    for (const pid of pids) assert.equal(alive(pid), false);
    assert.deepEqual(await readdir(path.join(at.dataDir, "instances")), []);
  },
);
