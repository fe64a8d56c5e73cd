/** What an AWS::EC2::Instance's properties become, checked before anything runs (no root needed). */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { IamInstanceProfile, NetworkRecord, RoleDefinition } from "@fawkes/cloud";
import { decodeUserData, openPorts, planLaunch, trustsEc2 } from "../../src/instances/launch-plan.ts";

const EC2_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

const role = (trustPolicy: unknown): RoleDefinition => ({
  arn: "arn:aws:iam::000000000000:role/app",
  name: "app",
  path: "/",
  roleId: "AROAEXAMPLEEXAMPLE01",
  trustPolicy,
  policies: [],
  maxSessionDurationSeconds: 3600,
  tags: {},
});

const group = (id: string, rules: object[], name?: string): NetworkRecord => ({
  id,
  properties: { SecurityGroupIngress: rules, ...(name && { GroupName: name }) },
  attributes: {},
  tags: {},
});

const sources = (records: Record<string, NetworkRecord[]>, trust: unknown = EC2_TRUST) => ({
  network: { records: async (type: string) => records[type] ?? [] },
  getInstanceProfile: async (name: string): Promise<IamInstanceProfile> => {
    if (name !== "app-profile") throw new Error("no such profile");
    return {
      name,
      path: "/ci/",
      instanceProfileId: "AIPAEXAMPLE",
      arn: "arn:aws:iam::000000000000:instance-profile/ci/app-profile",
      roles: [
        { name: "app", arn: "arn:aws:iam::000000000000:role/app" } as IamInstanceProfile["roles"][number],
      ],
      tags: {},
      createdAt: 0,
    };
  },
  findRole: async () => role(trust),
  now: Date.now,
});

test("user data must be base64; whitespace in it is allowed, as EC2 allows it", () => {
  assert.equal(decodeUserData(undefined).length, 0);
  assert.equal(decodeUserData("IyEvYmluL3NoCmVjaG8gaGkK").toString(), "#!/bin/sh\necho hi\n");
  assert.equal(decodeUserData("IyEvYmluL3No\nCmVjaG8gaGkK").toString(), "#!/bin/sh\necho hi\n");
  assert.throws(() => decodeUserData("#!/bin/sh"), /^Error: Invalid BASE64 encoding of user data/);
  assert.throws(() => decodeUserData("abc"), /Invalid BASE64/);
  assert.throws(() => decodeUserData({ "Fn::Base64": "x" }), /UserData must be a base64 string/);
});

test("exposed ports: TCP rules open to loopback, at most 64 ports a rule, never the metadata port", () => {
  const groups = [
    group("sg-1", [
      { IpProtocol: "tcp", FromPort: "8080", ToPort: "8080", CidrIp: "0.0.0.0/0" },
      { IpProtocol: "tcp", FromPort: 22, ToPort: 22, CidrIp: "10.0.0.0/24" },
      { IpProtocol: "tcp", FromPort: 1024, ToPort: 65535, CidrIp: "0.0.0.0/0" },
      { IpProtocol: "udp", FromPort: 53, ToPort: 53, CidrIp: "0.0.0.0/0" },
      { IpProtocol: "6", FromPort: 9000, ToPort: 9002, CidrIp: "127.0.0.0/8" },
      { IpProtocol: "tcp", FromPort: 8155, ToPort: 8155, CidrIp: "0.0.0.0/0" },
    ]),
  ];
  const ingress: NetworkRecord[] = [
    {
      id: "x",
      properties: { GroupId: "sg-1", IpProtocol: "tcp", FromPort: 443, ToPort: 443, CidrIp: "127.0.0.1/32" },
      attributes: {},
      tags: {},
    },
    {
      id: "y",
      properties: { GroupId: "sg-2", IpProtocol: "tcp", FromPort: 444, ToPort: 444, CidrIp: "0.0.0.0/0" },
      attributes: {},
      tags: {},
    },
  ];
  assert.deepEqual(openPorts(groups, ingress), [443, 8080, 9000, 9001, 9002]);
});

test("a plan: recorded subnet and groups (by id or name), the profile by name or ARN, tags", async () => {
  const records = {
    "AWS::EC2::Subnet": [{ id: "subnet-1", properties: {}, attributes: {}, tags: {} }],
    "AWS::EC2::SecurityGroup": [
      group("sg-1", [{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, CidrIp: "0.0.0.0/0" }], "web"),
    ],
  };
  for (const profile of ["app-profile", "arn:aws:iam::000000000000:instance-profile/ci/app-profile"]) {
    const plan = await planLaunch(
      {
        ImageId: "ami-1",
        InstanceType: "t3.micro",
        SubnetId: "subnet-1",
        SecurityGroups: ["web"],
        IamInstanceProfile: profile,
        Tags: [{ Key: "Name", Value: "app" }],
        UserData: Buffer.from("#!/bin/sh\n").toString("base64"),
      },
      sources(records),
    );
    assert.deepEqual(plan.securityGroupIds, ["sg-1"]);
    assert.deepEqual(plan.exposedPorts, [80]);
    assert.equal(plan.profile?.arn, "arn:aws:iam::000000000000:instance-profile/ci/app-profile");
    assert.equal(plan.profile?.role.name, "app");
    assert.deepEqual(plan.tags, { Name: "app" });
    assert.equal(plan.keyName, null);
  }
  await assert.rejects(
    planLaunch({ IamInstanceProfile: "nope" }, sources(records)),
    /Invalid IAM Instance Profile name/,
  );
  await assert.rejects(
    planLaunch(
      { IamInstanceProfile: "arn:aws:iam::123456789012:instance-profile/app-profile" },
      sources(records),
    ),
    /another account/,
  );
  await assert.rejects(
    planLaunch({ SecurityGroups: ["db"] }, sources(records)),
    /The security group 'db' does not exist/,
  );
  await assert.rejects(
    planLaunch({ SecurityGroupIds: "sg-1" }, sources(records)),
    /SecurityGroupIds must be a list/,
  );
});

test("only a role whose trust policy lets ec2.amazonaws.com assume it serves an instance", () => {
  assert.equal(trustsEc2(role(EC2_TRUST), Date.now()), true);
  const lambda = structuredClone(EC2_TRUST);
  lambda.Statement[0]!.Principal.Service = "lambda.amazonaws.com";
  assert.equal(trustsEc2(role(lambda), Date.now()), false);
  assert.equal(trustsEc2(role({ Version: "2012-10-17", Statement: [] }), Date.now()), false);
});
