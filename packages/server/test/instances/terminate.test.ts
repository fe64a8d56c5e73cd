/**
 * `aws ec2 terminate-instances` on a stack's instance: the `onTerminating` listeners run while it is
 * `shutting-down` (the address worker drains there), then it is gone; the stack still deletes cleanly. An elastic
 * address set with `setPublicIp` shows in DescribeInstances and at the instance's own metadata endpoint.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { InstanceRecord } from "../../src/instances/instances.ts";
import { SYSTEM_CALLER } from "../../src/stacks/providers.ts";
import {
  alive,
  appTemplate,
  createdStack,
  getWhenUp,
  instanceOf,
  NODE,
  site,
  skip,
  startRuntime,
} from "./support.ts";

/** User data serving the instance's `public-ipv4` from its metadata endpoint, read at each request. */
const SERVE_PUBLIC_IP = `#!/bin/sh
cat > /opt/ip.js <<'JS'
const base = process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT;
require("http").createServer(async (q, s) => {
  const token = await (await fetch(base + "latest/api/token", { method: "PUT", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "60" } })).text();
  const answer = await fetch(base + "latest/meta-data/public-ipv4", { headers: { "x-aws-ec2-metadata-token": token } });
  s.end(answer.status + " " + (await answer.text()));
}).listen(8080, "0.0.0.0");
JS
exec ${NODE} /opt/ip.js
`;

interface Described {
  Reservations: { Instances: { PublicIpAddress?: string; State: { Name: string } }[] }[];
}

test(
  "terminate-instances runs the terminating listeners and stops it; an elastic address shows where it should",
  { skip, timeout: 180_000 },
  async (t) => {
    const at = await site(t);
    const runtime = await startRuntime(t, at);
    const seen: InstanceRecord[] = [];
    runtime.cloud.instances.onTerminating(async (instance) => {
      seen.push(instance);
      // Still serving while it drains.
      assert.match(await getWhenUp(`http://${instance.privateIp}:8080/`), /^200 /);
    });
    const stack = await createdStack(runtime.cloud, "ip", appTemplate(SERVE_PUBLIC_IP, ["s3:GetObject"]));
    const record = await instanceOf(runtime.cloud, "ip", "AppServer");
    const id = record.instanceId;
    const url = `http://${record.privateIp}:8080/`;
    assert.equal(await getWhenUp(url), `200 ${record.privateIp}`);

    await runtime.cloud.instances.setPublicIp(id, "127.101.0.9");
    assert.equal(await getWhenUp(url), "200 127.101.0.9");
    const described = await runtime.ok<Described>("ec2", "describe-instances", "--instance-ids", id);
    assert.equal(described.Reservations[0]?.Instances[0]?.PublicIpAddress, "127.101.0.9");
    await runtime.cloud.instances.setPublicIp(id, null);
    const cleared = await runtime.ok<Described>("ec2", "describe-instances", "--instance-ids", id);
    assert.equal(cleared.Reservations[0]?.Instances[0]?.PublicIpAddress, record.privateIp);

    const pid = runtime.cloud.instances.hostPid(id)!;
    const answer = await runtime.ok<{
      TerminatingInstances: {
        InstanceId: string;
        CurrentState: { Name: string; Code: number };
        PreviousState: { Name: string };
      }[];
    }>("ec2", "terminate-instances", "--instance-ids", id);
    assert.deepEqual(answer.TerminatingInstances, [
      {
        InstanceId: id,
        CurrentState: { Code: 48, Name: "terminated" },
        PreviousState: { Code: 16, Name: "running" },
      },
    ]);
    assert.equal(seen.length, 1);
    assert.equal(seen[0]?.state, "shutting-down");
    assert.equal(alive(pid), false);
    const again = await runtime.ok<typeof answer>("ec2", "terminate-instances", "--instance-ids", id);
    assert.equal(again.TerminatingInstances[0]?.PreviousState.Name, "terminated");
    assert.equal(seen.length, 1, "terminating a terminated instance runs nothing");
    const unknown = await runtime.aws("ec2", "terminate-instances", "--instance-ids", "i-0123456789abcdef0");
    assert.match(unknown.stderr, /InvalidInstanceID\.NotFound/);

    // The stack's delete finds it terminated already: nothing to do.
    await runtime.cloud.stacks.delete("ip", SYSTEM_CALLER);
    await runtime.cloud.stacks.settled(stack.stackId);
    assert.equal((await runtime.cloud.stacks.describe(stack.stackId)).status, "DELETE_COMPLETE");
  },
);
