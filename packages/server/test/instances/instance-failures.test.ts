/**
 * What fails, and how clearly: a role without s3:GetObject (the stack completes, as on EC2 without a
 * CreationPolicy, but the fetch fails with AccessDenied in the console, nothing is served, and the provider's
 * `failure` names the failed boot); a subnet or security group that was never recorded, user data that is not
 * base64, a role EC2 may not assume, a caller without iam:PassRole or ec2:RunInstances — each a CREATE_FAILED
 * reason, rolled back, with no instance left.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { instanceProvider } from "../../src/stacks/local/instance.ts";
import { SYSTEM_CALLER, type ProviderContext } from "../../src/stacks/providers.ts";
import {
  answers,
  appTemplate,
  createdStack,
  fetchAndServe,
  instanceOf,
  putObject,
  site,
  skip,
  startRuntime,
  withKey,
} from "./support.ts";

test(
  "a role without s3:GetObject: the stack completes, the fetch is denied, nothing serves, failure() names it",
  { skip, timeout: 180_000 },
  async (t) => {
    const at = await site(t);
    const runtime = await startRuntime(t, at);
    await putObject(runtime, "builds", "app-1.txt", "build one\n");
    const stack = await createdStack(
      runtime.cloud,
      "blind",
      appTemplate(fetchAndServe("builds", "app-1.txt"), ["s3:ListBucket"]),
    );
    assert.equal(stack.status, "CREATE_COMPLETE");
    const id = (await instanceOf(runtime.cloud, "blind", "AppServer")).instanceId;
    const result = await runtime.cloud.instances.booted(id);
    assert.deepEqual(result.failures, ["part-001"]);
    const text = (await runtime.cloud.instances.console(id)).toString("utf8");
    assert.match(text, /(AccessDenied|Forbidden)/);
    assert.doesNotMatch(text, /build one/);
    const record = await runtime.cloud.instances.find(id);
    assert.equal(record.state, "running", "a failed boot leaves the instance running, as on EC2");
    assert.equal(await answers(`http://${record.privateIp}:8080/`), false, "nothing serves on its address");

    const provider = instanceProvider(runtime.cloud.instances, {
      network: { records: async () => [] },
      getInstanceProfile: () => Promise.reject(new Error("unused")),
      findRole: async () => undefined,
      now: Date.now,
    });
    const reason = await provider.failure!(id, {} as ProviderContext);
    assert.equal(reason, `Instance ${id} failed to boot: part-001 failed (exit 1); see its console output`);
    assert.match(await provider.failure!("i-0123456789abcdef0", {} as ProviderContext), /is not running/);
  },
);

interface Event {
  LogicalResourceId: string;
  ResourceStatus: string;
  ResourceStatusReason?: string;
}

test(
  "invalid instances are refused with clear reasons and roll back, leaving no instance",
  { skip, timeout: 240_000 },
  async (t) => {
    const at = await site(t);
    const runtime = await startRuntime(t, at);
    const base = JSON.parse(appTemplate("#!/bin/sh\ntrue\n", ["s3:GetObject"])) as {
      Resources: Record<string, { Properties: Record<string, unknown> }>;
    };
    const variant = (change: (resources: typeof base.Resources) => void): string => {
      const copy = structuredClone(base);
      change(copy.Resources);
      return JSON.stringify(copy);
    };
    const failedReason = async (name: string, templateBody: string): Promise<string> => {
      const stack = await createdStack(runtime.cloud, name, templateBody);
      assert.equal(stack.status, "ROLLBACK_COMPLETE");
      const events = await runtime.cloud.stacks.events(stack.stackId);
      const failed = events.find((e) => e.logicalId === "AppServer" && e.status === "CREATE_FAILED");
      assert.ok(failed, JSON.stringify(events));
      return failed.statusReason ?? "";
    };

    assert.equal(
      await failedReason(
        "bad-subnet",
        variant((r) => (r.AppServer!.Properties.SubnetId = "subnet-0123456789abcdef0")),
      ),
      "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    );
    assert.equal(
      await failedReason(
        "bad-group",
        variant((r) => (r.AppServer!.Properties.SecurityGroupIds = ["sg-0123456789abcdef0"])),
      ),
      "The security group 'sg-0123456789abcdef0' does not exist",
    );
    assert.match(
      await failedReason(
        "bad-user-data",
        variant((r) => (r.AppServer!.Properties.UserData = "#!/bin/sh not base64!")),
      ),
      /^Invalid BASE64 encoding of user data/,
    );
    assert.match(
      await failedReason(
        "untrusted-role",
        JSON.stringify(
          JSON.parse(appTemplate("#!/bin/sh\ntrue\n", ["s3:GetObject"], "lambda.amazonaws.com")),
        ),
      ),
      /^The role .* of instance profile .* cannot be assumed by ec2\.amazonaws\.com: its trust policy needs a statement with "Principal": \{"Service": "ec2\.amazonaws\.com"\}/,
    );

    // A caller without iam:PassRole (or ec2:RunInstances) may not launch: the stack made by awscli rolls back.
    // The instance profile exists already (made by someone who may pass its role), as the workshop's does.
    const { identity } = runtime.cloud;
    await identity.roles.createRole({
      name: "shared-role",
      trustPolicy: {
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      },
    });
    await identity.instanceProfiles.createInstanceProfile({ name: "shared-profile" });
    await identity.instanceProfiles.addRoleToInstanceProfile(
      "shared-profile",
      "shared-role",
      SYSTEM_CALLER.passer,
    );
    const shared = variant((r) => {
      delete r.AppRole;
      delete r.AppProfile;
      r.AppServer!.Properties.IamInstanceProfile = "shared-profile";
    });
    const key = async (name: string, notAction: string) =>
      (
        await runtime.cloud.accessKeys.create({
          name,
          policy: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", NotAction: notAction, Resource: "*" }],
          },
        })
      ).created;
    const { writeFile } = await import("node:fs/promises");
    const templateFile = path.join(at.home, "app.json");
    await writeFile(templateFile, shared);
    for (const [name, denied] of [
      ["no-pass-role", "iam:PassRole"],
      ["no-run", "ec2:RunInstances"],
    ] as const) {
      const as = withKey(runtime.cloud, at.home, await key(name, denied));
      await as.ok(
        "cloudformation",
        "create-stack",
        "--stack-name",
        name,
        "--template-body",
        `file://${templateFile}`,
        "--capabilities",
        "CAPABILITY_IAM",
      );
      const waited = await as.aws("cloudformation", "wait", "stack-create-complete", "--stack-name", name);
      assert.notEqual(waited.code, 0);
      const { StackEvents } = await as.ok<{ StackEvents: Event[] }>(
        "cloudformation",
        "describe-stack-events",
        "--stack-name",
        name,
      );
      const failed = StackEvents.find(
        (e) => e.LogicalResourceId === "AppServer" && e.ResourceStatus === "CREATE_FAILED",
      );
      assert.match(failed?.ResourceStatusReason ?? "", new RegExp(`not authorized to perform: ${denied}`));
    }

    // Nothing was launched by any of them.
    assert.deepEqual(await runtime.cloud.instances.list({ all: true }), []);
    assert.deepEqual(await readdir(path.join(at.dataDir, "instances")).catch(() => []), []);
  },
);
