/**
 * `AWS::EC2::Instance` in stacks, for real (as root): awscli creates a stack in the workshop's app-server shape
 * (without its elastic address); the instance's user data fetches a build from a bucket with its instance
 * profile role's credentials (from its own metadata endpoint) and serves it on PRIVATE_IP:8080; a role without
 * s3:GetObject gets AccessDenied in the console and nothing served. `aws ec2 describe-instances` finds it by tag,
 * `get-console-output` shows its boot; deleting the stack leaves no process, port or directory.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import {
  answers,
  alive,
  appTemplate,
  fetchAndServe,
  getWhenUp,
  putObject,
  site,
  skip,
  startRuntime,
} from "./support.ts";

interface Described {
  Reservations: {
    ReservationId: string;
    OwnerId: string;
    Instances: {
      InstanceId: string;
      State: { Code: number; Name: string };
      PrivateIpAddress?: string;
      PublicIpAddress?: string;
      PrivateDnsName: string;
      SubnetId: string;
      VpcId: string;
      ImageId: string;
      InstanceType: string;
      KeyName: string;
      SecurityGroups: { GroupId: string }[];
      IamInstanceProfile?: { Arn: string };
      Tags: { Key: string; Value: string }[];
      StateReason?: { Code: string; Message: string };
    }[];
  }[];
}

interface Stacks {
  Stacks: { StackStatus: string; Outputs: { OutputKey: string; OutputValue: string }[] }[];
}

test(
  "a stack's instance fetches its build with its role's credentials and serves it; describe, console, delete",
  { skip, timeout: 240_000 },
  async (t) => {
    const at = await site(t);
    const runtime = await startRuntime(t, at);
    await putObject(runtime, "builds", "app-7.txt", "build number seven\n");
    const { writeFile } = await import("node:fs/promises");
    const templateFile = path.join(at.home, "app.json");
    await writeFile(templateFile, appTemplate(fetchAndServe("builds", "app-7.txt"), ["s3:GetObject"]));

    await runtime.ok(
      "cloudformation",
      "create-stack",
      "--stack-name",
      "app-server-build-7",
      "--template-body",
      `file://${templateFile}`,
      "--parameters",
      "ParameterKey=BuildNumber,ParameterValue=7",
      "--capabilities",
      "CAPABILITY_IAM",
    );
    await runtime.ok("cloudformation", "wait", "stack-create-complete", "--stack-name", "app-server-build-7");
    const stack = (
      await runtime.ok<Stacks>("cloudformation", "describe-stacks", "--stack-name", "app-server-build-7")
    ).Stacks[0]!;
    assert.equal(stack.StackStatus, "CREATE_COMPLETE");
    const output = (key: string) => stack.Outputs.find((o) => o.OutputKey === key)?.OutputValue ?? "";
    const id = output("InstanceId");
    const address = output("PrivateIp");
    assert.match(id, /^i-[0-9a-f]{17}$/);
    assert.match(address, /^127\.100\.\d+\.\d+$/);
    assert.equal(output("PublicIp"), address, "without an elastic address its own address is its public one");

    // The app, started by user data with the object its role may read, answers on the instance's address.
    const served = await getWhenUp(`http://${address}:8080/`);
    assert.match(served, /^build number seven\nbooted \d+\n$/);
    // Only the ports the security group opens to the host are exposed (the 1024-65535 range is too wide).
    assert.deepEqual(runtime.cloud.instances.exposedPorts(id), [8080]);

    // The session behind its credentials is the instance profile role's, named after the instance.
    const sessions = await runtime.cloud.sessions.list();
    assert.ok(
      sessions.some(
        (s) => s.sessionName === id && s.roleArn?.includes(":role/") && s.assumedBy === "ec2.amazonaws.com",
      ),
      JSON.stringify(sessions),
    );

    // DescribeInstances through real awscli, found by its Name tag (and not by another value).
    const described = await runtime.ok<Described>(
      "ec2",
      "describe-instances",
      "--filters",
      "Name=tag:Name,Values=App Server - Build 7",
      "Name=instance-state-name,Values=running",
    );
    assert.equal(described.Reservations.length, 1);
    const [instance] = described.Reservations[0]!.Instances;
    assert.equal(instance?.InstanceId, id);
    assert.deepEqual(instance?.State, { Code: 16, Name: "running" });
    assert.equal(instance?.PrivateIpAddress, address);
    assert.equal(instance?.PublicIpAddress, address);
    assert.equal(instance?.PrivateDnsName, `ip-${address.replaceAll(".", "-")}.ec2.internal`);
    assert.equal(instance?.ImageId, "ami-20bd1f57");
    assert.equal(instance?.InstanceType, "m1.medium");
    assert.equal(instance?.KeyName, "main");
    assert.match(instance?.SubnetId ?? "", /^subnet-/);
    assert.match(instance?.VpcId ?? "", /^vpc-/);
    assert.match(instance?.SecurityGroups[0]?.GroupId ?? "", /^sg-/);
    assert.match(instance?.IamInstanceProfile?.Arn ?? "", /^arn:aws:iam::000000000000:instance-profile\//);
    assert.ok(
      instance?.Tags.some(
        (tag) => tag.Key === "aws:cloudformation:stack-name" && tag.Value === "app-server-build-7",
      ),
    );
    const none = await runtime.ok<Described>(
      "ec2",
      "describe-instances",
      "--filters",
      "Name=tag:Name,Values=App Server - Build 8",
    );
    assert.deepEqual(none.Reservations, []);
    const byAddress = await runtime.ok<Described>(
      "ec2",
      "describe-instances",
      "--filters",
      `Name=private-ip-address,Values=${address}`,
    );
    assert.equal(byAddress.Reservations[0]?.Instances[0]?.InstanceId, id);
    const unknown = await runtime.aws("ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0");
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /InvalidInstanceID\.NotFound/);

    // Its console: cloud-init's lines and what the boot printed.
    const consoleOutput = await runtime.ok<{ InstanceId: string; Output: string }>(
      "ec2",
      "get-console-output",
      "--instance-id",
      id,
    );
    assert.equal(consoleOutput.InstanceId, id);
    assert.match(consoleOutput.Output, /Cloud-init v\. .* running 'init'/);
    // Its metadata endpoint names its instance profile (not one named after the role).
    assert.match(
      consoleOutput.Output,
      /"InstanceProfileArn":"arn:aws:iam::000000000000:instance-profile\/app-server-build-7-AppProfile-[A-Z0-9]+"/,
    );
    assert.match(
      consoleOutput.Output,
      /download: s3:\/\/builds\/app-7\.txt to \.\.\/\.\.\/opt\/app\/build\.txt|download: s3:\/\/builds\/app-7\.txt/,
    );

    // The stack's delete terminates it: no process, port, directory or mount is left.
    const pid = runtime.cloud.instances.hostPid(id);
    assert.ok(pid !== undefined && alive(pid));
    await runtime.ok("cloudformation", "delete-stack", "--stack-name", "app-server-build-7");
    await runtime.ok("cloudformation", "wait", "stack-delete-complete", "--stack-name", "app-server-build-7");
    const gone = await runtime.cloud.instances.find(id);
    assert.equal(gone.state, "terminated");
    assert.equal(gone.stateReason, "Client.UserInitiatedShutdown: User initiated shutdown");
    assert.ok(gone.terminatedAt !== null);
    assert.equal(alive(pid), false);
    assert.equal(await answers(`http://${address}:8080/`), false);
    assert.equal(existsSync(path.join(at.dataDir, "instances", id)), false);
    assert.deepEqual(await readdir(path.join(at.dataDir, "instances")), []);
    assert.doesNotMatch(await readFile("/proc/self/mountinfo", "utf8"), new RegExp(id));
    // Its credentials died with it: the session is revoked.
    const revoked = (await runtime.cloud.sessions.list({ all: true })).filter((s) => s.sessionName === id);
    assert.ok(revoked.length > 0 && revoked.every((s) => s.revokedAt !== null), JSON.stringify(revoked));
    // Shown terminated for a while, as EC2 does.
    const after = await runtime.ok<Described>("ec2", "describe-instances", "--instance-ids", id);
    assert.deepEqual(after.Reservations[0]?.Instances[0]?.State, { Code: 48, Name: "terminated" });
    assert.equal(after.Reservations[0]?.Instances[0]?.PrivateIpAddress, undefined);
    const lastConsole = await runtime.ok<{ Output: string }>(
      "ec2",
      "get-console-output",
      "--instance-id",
      id,
    );
    assert.match(lastConsole.Output, /running 'init'/);
  },
);
