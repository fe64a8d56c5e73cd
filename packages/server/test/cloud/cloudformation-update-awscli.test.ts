/**
 * `aws cloudformation update-stack` (awscli 2.9) on a real server's cloud endpoint: a new template with
 * UsePreviousValue, `wait stack-update-complete` answered on its first poll, a subnet's tags changed in place,
 * a security group replaced (the new group found by EC2's lookups, the old one gone), a role's inline policy
 * changed in place, a bucket removed; and AWS's refusals: nothing to update, a missing capability, a caller
 * without `cloudformation:UpdateStack`.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { serviceTrustPolicy, startServerProcess, tempDir } from "@fawkes/testing";
import { awsCli, newAccessKey } from "./support.ts";

const template = (version: 1 | 2) => ({
  AWSTemplateFormatVersion: "2010-09-09",
  Parameters: { Env: { Type: "String" }, Build: { Type: "String", Default: "1" } },
  Resources: {
    VPC: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
    Subnet: {
      Type: "AWS::EC2::Subnet",
      Properties: {
        VpcId: { Ref: "VPC" },
        CidrBlock: "10.0.0.0/24",
        Tags: [
          { Key: "Env", Value: { Ref: "Env" } },
          { Key: "Build", Value: { Ref: "Build" } },
        ],
      },
    },
    WebGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: { GroupDescription: version === 1 ? "web" : "web, build 2", VpcId: { Ref: "VPC" } },
    },
    AppRole: {
      Type: "AWS::IAM::Role",
      Properties: {
        AssumeRolePolicyDocument: serviceTrustPolicy(),
        Policies: [
          {
            PolicyName: "read",
            PolicyDocument: {
              Version: "2012-10-17",
              Statement: [
                {
                  Effect: "Allow",
                  Action: version === 1 ? "s3:GetObject" : ["s3:GetObject", "s3:ListBucket"],
                  Resource: "*",
                },
              ],
            },
          },
        ],
      },
    },
    ...(version === 1 && { Scratch: { Type: "AWS::S3::Bucket" } }),
  },
  Outputs: {
    Group: { Value: { Ref: "WebGroup" } },
    Build: { Value: { "Fn::Sub": "build-${Build}" } },
  },
});

interface CfnOutput {
  StackId: string;
  Stacks: { StackStatus: string; Outputs?: { OutputKey: string; OutputValue: string }[] }[];
  StackEvents: { LogicalResourceId: string; PhysicalResourceId: string; ResourceStatus: string }[];
  StackResources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceStatus: string }[];
  Subnets: { SubnetId: string; Tags: { Key: string; Value: string }[] }[];
  SecurityGroups: { GroupId: string; Description: string }[];
  PolicyDocument: { Statement: { Action: string | string[] }[] };
}

test(
  "aws cloudformation update-stack updates in place and by replacement; wait stack-update-complete; AWS's refusals",
  { timeout: 480_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const home = await tempDir(t, "fawkes-aws-home-");
    const files = [1, 2].map((version) => path.join(home, `v${version}.json`));
    for (const [index, file] of files.entries())
      await writeFile(file, JSON.stringify(template((index + 1) as 1 | 2), null, 2));
    const admin = awsCli(
      server.cloudUrl,
      home,
      await newAccessKey(server, "deployer", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
    );
    const ok = async (...args: string[]): Promise<CfnOutput> => {
      const result = await admin(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as CfnOutput;
    };
    const physical = async () =>
      Object.fromEntries(
        (await ok("cloudformation", "describe-stack-resources", "--stack-name", "app")).StackResources.map(
          (r) => [r.LogicalResourceId, r.PhysicalResourceId],
        ),
      );
    const update = (...options: string[]) =>
      admin("cloudformation", "update-stack", "--stack-name", "app", ...options);

    const created = await ok(
      "cloudformation",
      "create-stack",
      "--stack-name",
      "app",
      "--template-body",
      `file://${files[0]}`,
      "--parameters",
      "ParameterKey=Env,ParameterValue=test",
      "--capabilities",
      "CAPABILITY_IAM",
    );
    await ok("cloudformation", "wait", "stack-create-complete", "--stack-name", "app");
    const before = await physical();

    const noCapability = await update(
      "--template-body",
      `file://${files[1]}`,
      "--parameters",
      "ParameterKey=Env,UsePreviousValue=true",
    );
    assert.match(noCapability.stderr, /InsufficientCapabilitiesException/);
    const reader = awsCli(
      server.cloudUrl,
      home,
      await newAccessKey(server, "reader", [
        { Effect: "Allow", Action: "cloudformation:Describe*", Resource: "*" },
      ]),
    );
    const denied = await reader(
      "cloudformation",
      "update-stack",
      "--stack-name",
      "app",
      "--use-previous-template",
      "--parameters",
      "ParameterKey=Env,ParameterValue=prod",
    );
    assert.match(denied.stderr, /AccessDenied.*cloudformation:UpdateStack/);
    assert.equal(
      (await ok("cloudformation", "describe-stacks", "--stack-name", "app")).Stacks[0]?.StackStatus,
      "CREATE_COMPLETE",
    );

    const updated = await update(
      "--template-body",
      `file://${files[1]}`,
      "--parameters",
      "ParameterKey=Env,UsePreviousValue=true",
      "ParameterKey=Build,ParameterValue=2",
      "--capabilities",
      "CAPABILITY_IAM",
    );
    assert.equal(updated.code, 0, updated.stderr);
    assert.equal((JSON.parse(updated.stdout) as CfnOutput).StackId, created.StackId);
    const started = Date.now();
    await ok("cloudformation", "wait", "stack-update-complete", "--stack-name", "app");
    assert.ok(Date.now() - started < 25_000, "the waiter's first poll sees the update end");
    const [stack] = (await ok("cloudformation", "describe-stacks", "--stack-name", "app")).Stacks;
    assert.equal(stack?.StackStatus, "UPDATE_COMPLETE");

    const after = await physical();
    assert.deepEqual(
      Object.keys(after).sort(),
      ["AppRole", "Subnet", "VPC", "WebGroup"],
      "Scratch is removed",
    );
    assert.equal(after.Subnet, before.Subnet, "the subnet's tags change in place");
    assert.equal(after.AppRole, before.AppRole, "the role's policy changes in place");
    assert.notEqual(after.WebGroup, before.WebGroup, "a new description replaces the group");
    assert.deepEqual(Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue])), {
      Group: after.WebGroup,
      Build: "build-2",
    });
    const [subnet] = (await ok("ec2", "describe-subnets", "--subnet-ids", after.Subnet!)).Subnets;
    assert.deepEqual(
      subnet?.Tags.filter((tag) => !tag.Key.startsWith("aws:")).sort((a, b) => a.Key.localeCompare(b.Key)),
      [
        { Key: "Build", Value: "2" },
        { Key: "Env", Value: "test" },
      ],
      "UsePreviousValue kept Env",
    );
    assert.deepEqual(
      (await ok("ec2", "describe-security-groups")).SecurityGroups.map((g) => [g.GroupId, g.Description]),
      [[after.WebGroup, "web, build 2"]],
      "only the new group is left",
    );
    const policy = await ok("iam", "get-role-policy", "--role-name", after.AppRole!, "--policy-name", "read");
    assert.deepEqual(policy.PolicyDocument.Statement[0]?.Action, ["s3:GetObject", "s3:ListBucket"]);
    const scratchGone = await admin("s3api", "head-bucket", "--bucket", before.Scratch!);
    assert.notEqual(scratchGone.code, 0, "the removed bucket is deleted");
    const events = (await ok("cloudformation", "describe-stack-events", "--stack-name", "app")).StackEvents;
    assert.deepEqual(
      events
        .filter((e) => e.LogicalResourceId === "app")
        .slice(0, 3)
        .map((e) => e.ResourceStatus),
      ["UPDATE_COMPLETE", "UPDATE_COMPLETE_CLEANUP_IN_PROGRESS", "UPDATE_IN_PROGRESS"],
    );
    assert.ok(
      events.some(
        (e) =>
          e.LogicalResourceId === "WebGroup" &&
          e.PhysicalResourceId === before.WebGroup &&
          e.ResourceStatus === "DELETE_COMPLETE",
      ),
    );

    const nothing = await update(
      "--use-previous-template",
      "--parameters",
      "ParameterKey=Env,UsePreviousValue=true",
      "ParameterKey=Build,UsePreviousValue=true",
      "--capabilities",
      "CAPABILITY_IAM",
    );
    assert.notEqual(nothing.code, 0);
    assert.match(nothing.stderr, /ValidationError.*No updates are to be performed\./);

    await ok("cloudformation", "delete-stack", "--stack-name", "app");
    await ok("cloudformation", "wait", "stack-delete-complete", "--stack-name", "app");
    const missing = await update("--use-previous-template");
    assert.match(missing.stderr, /ValidationError.*Stack with id app does not exist/);
  },
);
