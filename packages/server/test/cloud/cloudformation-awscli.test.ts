/**
 * CloudFormation's Query API on a real server's cloud endpoint, driven by Debian's awscli 2.9 as the workshop's
 * deploy and retire scripts drive AWS: create-stack with a template file, the waiters (answered on their first
 * poll), describe-stacks/-events/-resources, get-template, validate-template, list-stacks and delete-stack, with
 * CloudFormation's errors; and `aws ec2 describe-subnets/-security-groups` finding what the stack recorded. Each resource is made with the caller's rights: a key allowed CloudFormation but not
 * S3 gets a rolled-back stack.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { startServerProcess, tempDir, serviceTrustPolicy } from "@fawkes/testing";
import { awsCli, type Key } from "./support.ts";

const TEMPLATE = {
  AWSTemplateFormatVersion: "2010-09-09",
  Description: "the workshop's network, a bucket and the app server's role",
  Parameters: { Env: { Type: "String", Default: "ci" } },
  Resources: {
    VPC: { Type: "AWS::EC2::VPC", Properties: { CidrBlock: "10.0.0.0/16" } },
    PublicSubnet: {
      Type: "AWS::EC2::Subnet",
      Properties: {
        VpcId: { Ref: "VPC" },
        CidrBlock: "10.0.0.0/24",
        Tags: [{ Key: "Env", Value: { Ref: "Env" } }],
      },
    },
    WebGroup: {
      Type: "AWS::EC2::SecurityGroup",
      Properties: {
        GroupDescription: "web",
        VpcId: { Ref: "VPC" },
        SecurityGroupIngress: [{ IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, CidrIp: "0.0.0.0/0" }],
      },
    },
    Releases: { Type: "AWS::S3::Bucket" },
    AppRole: {
      Type: "AWS::IAM::Role",
      Properties: {
        AssumeRolePolicyDocument: serviceTrustPolicy(),
        Path: "/",
      },
    },
    AppProfile: { Type: "AWS::IAM::InstanceProfile", Properties: { Path: "/", Roles: [{ Ref: "AppRole" }] } },
  },
  Outputs: {
    SubnetId: { Value: { Ref: "PublicSubnet" } },
    Bucket: { Value: { Ref: "Releases" }, Description: "where builds go" },
  },
};

interface CfnOutput {
  StackId: string;
  Stacks: {
    StackName: string;
    StackStatus: string;
    Outputs?: { OutputKey: string; OutputValue: string }[];
    Parameters?: { ParameterKey: string; ParameterValue: string }[];
  }[];
  StackEvents: { LogicalResourceId: string; ResourceStatus: string; ResourceStatusReason?: string }[];
  StackResources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceStatus: string }[];
  StackSummaries: { StackName: string; StackStatus: string }[];
  TemplateBody: unknown;
  Subnets: { SubnetId: string; VpcId: string; CidrBlock: string; Tags: { Key: string; Value: string }[] }[];
  SecurityGroups: { GroupId: string; Description: string; IpPermissions: { FromPort: number }[] }[];
  Capabilities: string[];
  Parameters: { ParameterKey: string; DefaultValue?: string }[];
}

test(
  "aws cloudformation creates, describes and deletes stacks, with the caller's rights and AWS's errors",
  { timeout: 480_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const home = await tempDir(t, "fawkes-aws-home-");
    const templateFile = path.join(home, "template.json");
    await writeFile(templateFile, JSON.stringify(TEMPLATE, null, 2));
    const newKey = async (name: string, statements: object[]): Promise<Key> =>
      server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
        name,
        policy: { Version: "2012-10-17", Statement: statements },
      });
    const admin = awsCli(
      server.cloudUrl,
      home,
      await newKey("deployer", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
    );
    const createStack = <T>(aws: (...args: string[]) => Promise<T>, name: string, ...options: string[]) =>
      aws(
        "cloudformation",
        "create-stack",
        "--stack-name",
        name,
        "--template-body",
        `file://${templateFile}`,
        ...options,
      );
    const ok = async (...args: string[]): Promise<CfnOutput> => {
      const result = await admin(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as CfnOutput;
    };

    const validated = await ok(
      "cloudformation",
      "validate-template",
      "--template-body",
      `file://${templateFile}`,
    );
    assert.deepEqual(validated.Capabilities, ["CAPABILITY_IAM"]);
    assert.deepEqual(validated.Parameters, [{ ParameterKey: "Env", DefaultValue: "ci", NoEcho: false }]);

    const refused = await createStack(admin, "infra");
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InsufficientCapabilitiesException/);

    const created = await createStack(
      ok,
      "infra",
      "--parameters",
      "ParameterKey=Env,ParameterValue=test",
      "--capabilities",
      "CAPABILITY_IAM",
    );
    assert.match(created.StackId, /^arn:aws:cloudformation:us-east-1:000000000000:stack\/infra\//);
    await ok("cloudformation", "wait", "stack-create-complete", "--stack-name", "infra");
    const [stack] = (await ok("cloudformation", "describe-stacks", "--stack-name", "infra")).Stacks;
    assert.equal(stack?.StackStatus, "CREATE_COMPLETE");
    assert.deepEqual(stack?.Parameters, [{ ParameterKey: "Env", ParameterValue: "test" }]);
    const outputs = Object.fromEntries((stack?.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
    assert.match(outputs.SubnetId ?? "", /^subnet-/);
    const resources = (await ok("cloudformation", "describe-stack-resources", "--stack-name", "infra"))
      .StackResources;
    assert.deepEqual(resources.map((r) => r.LogicalResourceId).sort(), [
      "AppProfile",
      "AppRole",
      "PublicSubnet",
      "Releases",
      "VPC",
      "WebGroup",
    ]);
    assert.ok(resources.every((r) => r.ResourceStatus === "CREATE_COMPLETE"));
    // The bucket is a bucket of the artifact repository, usable at once.
    await ok("s3api", "head-bucket", "--bucket", outputs.Bucket!);
    const role = resources.find((r) => r.LogicalResourceId === "AppRole")!.PhysicalResourceId;
    await ok("iam", "get-role", "--role-name", role);
    const events = (await ok("cloudformation", "describe-stack-events", "--stack-name", "infra")).StackEvents;
    assert.equal(events[0]?.LogicalResourceId, "infra", "newest first: the stack's completion");
    assert.equal(events[0]?.ResourceStatus, "CREATE_COMPLETE");
    assert.equal(events.at(-1)?.ResourceStatusReason, "User Initiated");
    // EC2's lookups find what the stack recorded, by tag (the template's and CloudFormation's own) and by id.
    const byTag = (await ok("ec2", "describe-subnets", "--filters", "Name=tag:Env,Values=te*")).Subnets;
    assert.deepEqual(
      byTag.map((subnet) => [subnet.SubnetId, subnet.CidrBlock]),
      [[outputs.SubnetId, "10.0.0.0/24"]],
    );
    assert.ok(
      byTag[0]?.Tags.some((tag) => tag.Key === "aws:cloudformation:stack-name" && tag.Value === "infra"),
    );
    assert.deepEqual(
      (await ok("ec2", "describe-subnets", "--filters", "Name=tag:Env,Values=prod")).Subnets,
      [],
    );
    const groups = (
      await ok(
        "ec2",
        "describe-security-groups",
        "--filters",
        "Name=tag:aws:cloudformation:logical-id,Values=WebGroup",
        `Name=vpc-id,Values=${byTag[0]?.VpcId}`,
      )
    ).SecurityGroups;
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.Description, "web");
    assert.equal(groups[0]?.IpPermissions[0]?.FromPort, 8080);
    const unknown = await admin("ec2", "describe-subnets", "--subnet-ids", "subnet-0000000000000000f");
    assert.match(unknown.stderr, /InvalidSubnetID\.NotFound/);
    const template = await ok("cloudformation", "get-template", "--stack-name", "infra");
    assert.deepEqual(template.TemplateBody, TEMPLATE);
    const listed = (await ok("cloudformation", "list-stacks")).StackSummaries;
    assert.deepEqual(
      listed.map((s) => [s.StackName, s.StackStatus]),
      [["infra", "CREATE_COMPLETE"]],
    );
    const taken = await createStack(admin, "infra", "--capabilities", "CAPABILITY_IAM");
    assert.match(taken.stderr, /AlreadyExistsException/);

    // A key allowed CloudFormation only: the stack is accepted, its bucket refused, and it rolls back.
    const cfnOnly = awsCli(
      server.cloudUrl,
      home,
      await newKey("cfn-only", [
        { Effect: "Allow", Action: ["cloudformation:*", "ec2:*", "iam:*"], Resource: "*" },
      ]),
    );
    const weak = await createStack(cfnOnly, "weak", "--capabilities", "CAPABILITY_IAM");
    assert.equal(weak.code, 0, weak.stderr);
    const waited = await cfnOnly("cloudformation", "wait", "stack-create-complete", "--stack-name", "weak");
    assert.notEqual(waited.code, 0, "the waiter reports the failure");
    const weakEvents = (await ok("cloudformation", "describe-stack-events", "--stack-name", "weak"))
      .StackEvents;
    const failed = weakEvents.find(
      (e) => e.LogicalResourceId === "Releases" && e.ResourceStatus === "CREATE_FAILED",
    );
    assert.match(failed?.ResourceStatusReason ?? "", /not authorized to perform: s3:CreateBucket/);
    const [weakStack] = (await ok("cloudformation", "describe-stacks", "--stack-name", "weak")).Stacks;
    assert.equal(weakStack?.StackStatus, "ROLLBACK_COMPLETE");
    assert.ok(
      weakEvents.some((e) => e.LogicalResourceId === "AppRole" && e.ResourceStatus === "DELETE_COMPLETE") ||
        !weakEvents.some((e) => e.LogicalResourceId === "AppRole" && e.ResourceStatus === "CREATE_COMPLETE"),
      "whatever was made is deleted",
    );

    for (const name of ["infra", "weak"]) {
      await ok("cloudformation", "delete-stack", "--stack-name", name);
      await ok("cloudformation", "wait", "stack-delete-complete", "--stack-name", name);
    }
    assert.deepEqual((await ok("ec2", "describe-subnets")).Subnets, [], "nothing left recorded");
    const gone = await admin("cloudformation", "describe-stacks", "--stack-name", "infra");
    assert.match(gone.stderr, /ValidationError.*Stack with id infra does not exist/);
    const byArn = await ok("cloudformation", "describe-stacks", "--stack-name", created.StackId);
    assert.equal(byArn.Stacks[0]?.StackStatus, "DELETE_COMPLETE");
    const headGone = await admin("s3api", "head-bucket", "--bucket", outputs.Bucket!);
    assert.notEqual(headGone.code, 0, "the stack's bucket is deleted with it");
    await ok("cloudformation", "delete-stack", "--stack-name", "never-was");
  },
);
