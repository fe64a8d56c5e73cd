/** The adapter from the server's instance records to the instance routes' DTOs. */
import assert from "node:assert/strict";
import test from "node:test";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { instanceDirectory, type InstanceRecordLike } from "../../src/http/instance-directory.ts";

const record = (id: string, fields: Partial<InstanceRecordLike> = {}): InstanceRecordLike => ({
  instanceId: id,
  state: "running",
  stateReason: null,
  privateIp: "127.100.0.2",
  publicIp: null,
  hostname: "ip-127-100-0-2",
  imageId: "ami-1",
  instanceType: "t3.micro",
  roleArn: null,
  stackId: null,
  logicalId: null,
  tags: {},
  launchedAt: 1,
  terminatedAt: null,
  ...fields,
});

test("records become DTOs with their stack's name; unknown ids are undefined", async () => {
  const stackArn = "arn:aws:cloudformation:us-east-1:000000000000:stack/web/1";
  const records = [
    record("i-old", { launchedAt: 1, stackId: stackArn, logicalId: "App" }),
    record("i-new", { launchedAt: 2, stackId: stackArn, logicalId: "App" }),
    record("i-orphan", {
      launchedAt: 3,
      stackId: "arn:aws:cloudformation:us-east-1:000000000000:stack/gone/2",
    }),
  ];
  const lookups: string[] = [];
  const terminated: string[] = [];
  const directory = instanceDirectory(
    {
      find: async (id) => {
        const found = records.find((r) => r.instanceId === id);
        if (!found) throw new FawkesError(ErrorCode.notFound, `no instance ${id}`);
        return found;
      },
      list: async ({ all }) => (all ? records : records.slice(0, 2)),
      console: async () => Buffer.from("boot ✓\n"),
      terminate: async (id) => void terminated.push(id),
    },
    async (stackId) => {
      lookups.push(stackId);
      return stackId === stackArn ? "web" : undefined;
    },
  );
  const all = await directory.list({ all: true });
  assert.deepEqual(
    all.map((i) => [i.instanceId, i.stackName, i.logicalId]),
    [
      ["i-orphan", null, null],
      ["i-new", "web", "App"],
      ["i-old", "web", "App"],
    ],
  );
  assert.deepEqual(
    (await directory.list({ all: false })).map((i) => i.instanceId),
    ["i-new", "i-old"],
  );
  // A stack's name is looked up once.
  assert.equal(lookups.filter((id) => id === stackArn).length, 1);
  assert.equal((await directory.find("i-new"))?.stackName, "web");
  assert.equal(await directory.find("i-missing"), undefined);
  assert.equal(await directory.console("i-new"), "boot ✓\n");
  await directory.terminate("i-new", { actor: { kind: "user", name: "olga" } });
  assert.deepEqual(terminated, ["i-new"]);
});

test("other failures of the source are not hidden", async () => {
  const directory = instanceDirectory(
    {
      find: async () => {
        throw new FawkesError(ErrorCode.internal, "database gone");
      },
      list: async () => [],
      console: async () => "",
      terminate: async () => undefined,
    },
    async () => undefined,
  );
  await assert.rejects(directory.find("i-1"), /database gone/);
});
