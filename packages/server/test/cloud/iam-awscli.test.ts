/**
 * The IAM Query API on a real server's cloud endpoint, driven by Debian's awscli 2.9: roles with trust, inline,
 * managed and boundary policies and tags, instance profiles holding one role, AWS's error codes
 * (NoSuchEntity, EntityAlreadyExists, DeleteConflict, MalformedPolicyDocument with the JSON path, LimitExceeded,
 * AccessDenied) — and a refused request changes nothing.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { startServerProcess, tempDir } from "@fawkes/testing";
import { awsCli, type Key } from "./support.ts";

const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const PUBLISH = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: "arn:aws:s3:::releases/*" },
  ],
};

/** The parts of awscli's JSON output this test reads. */
interface RoleOutput {
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: string;
  AssumeRolePolicyDocument: unknown;
  MaxSessionDuration: number;
  Tags?: unknown;
  PermissionsBoundary?: { PermissionsBoundaryArn: string };
}
interface IamOutput {
  Role: RoleOutput;
  Roles: RoleOutput[];
  PolicyNames: string[];
  Policy: { Arn: string; PolicyId: string; DefaultVersionId: string; AttachmentCount: number };
  Policies: unknown[];
  AttachedPolicies: unknown[];
  PolicyVersion: { Document: unknown };
  Tags: unknown;
  InstanceProfile: { InstanceProfileId: string; Roles: RoleOutput[] };
  InstanceProfiles: { InstanceProfileName: string }[];
}

test(
  "aws iam manages roles, policies and instance profiles with AWS's answers and errors",
  { timeout: 360_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const home = await tempDir(t, "fawkes-aws-home-");
    const newKey = async (name: string, statements: object[]): Promise<Key> =>
      server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
        name,
        policy: { Version: "2012-10-17", Statement: statements },
      });
    const admin = awsCli(
      server.cloudUrl,
      home,
      await newKey("iam-admin", [{ Effect: "Allow", Action: "*", Resource: "*" }]),
    );
    const file = async (name: string, document: unknown) => {
      await writeFile(
        path.join(home, name),
        typeof document === "string" ? document : JSON.stringify(document),
      );
      return `file://${path.join(home, name)}`;
    };
    const ok = async (...args: string[]) => {
      const result = await admin(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return result.stdout.trim() === "" ? ({} as IamOutput) : (JSON.parse(result.stdout) as IamOutput);
    };
    const fails = async (code: string, call: Promise<{ code: number; stderr: string }>) => {
      const result = await call;
      assert.notEqual(result.code, 0);
      assert.match(result.stderr, new RegExp(`\\(${code}\\)`), result.stderr);
      return result.stderr;
    };

    // Roles: created with a path and tags; the trust policy comes back decoded (IAM sends it URL-encoded).
    const created = await ok(
      "iam",
      "create-role",
      "--role-name",
      "ci-publisher",
      "--path",
      "/ci/",
      "--assume-role-policy-document",
      await file("trust.json", TRUST),
      "--description",
      "publishes builds",
      "--tags",
      "Key=team,Value=ci",
    );
    assert.equal(created.Role.Arn, "arn:aws:iam::000000000000:role/ci/ci-publisher");
    assert.match(created.Role.RoleId, /^AROA[A-Z2-7]{16}$/);
    assert.deepEqual(created.Role.AssumeRolePolicyDocument, TRUST);
    assert.match(created.Role.CreateDate, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
    const got = await ok("iam", "get-role", "--role-name", "ci-publisher");
    assert.equal(got.Role.RoleId, created.Role.RoleId);
    assert.equal(got.Role.MaxSessionDuration, 3600);
    assert.deepEqual(got.Role.Tags, [{ Key: "team", Value: "ci" }]);
    await fails(
      "EntityAlreadyExists",
      admin(
        "iam",
        "create-role",
        "--role-name",
        "CI-Publisher",
        "--assume-role-policy-document",
        await file("t2.json", TRUST),
      ),
    );
    await fails("NoSuchEntity", admin("iam", "get-role", "--role-name", "nobody"));
    assert.deepEqual(
      (await ok("iam", "list-roles")).Roles.map((r: { RoleName: string }) => r.RoleName),
      ["ci-publisher"],
    );

    // A malformed trust policy or inline policy: MalformedPolicyDocument naming each JSON path; nothing stored.
    const badTrust = await fails(
      "MalformedPolicyDocument",
      admin(
        "iam",
        "create-role",
        "--role-name",
        "bad",
        "--assume-role-policy-document",
        await file("bad-trust.json", {
          Version: "2012-10-17",
          Statement: [{ Effect: "Permit", Action: "sts:AssumeRole" }],
        }),
      ),
    );
    assert.match(badTrust, /Statement\[0\]\.Effect/);
    assert.match(badTrust, /Statement\[0\]: must contain Principal/);
    await fails("NoSuchEntity", admin("iam", "get-role", "--role-name", "bad"));
    const badInline = await fails(
      "MalformedPolicyDocument",
      admin(
        "iam",
        "put-role-policy",
        "--role-name",
        "ci-publisher",
        "--policy-name",
        "publish",
        "--policy-document",
        await file("bad.json", {
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: 7 }],
        }),
      ),
    );
    assert.match(badInline, /Statement\[0\]\.Resource/);
    await fails(
      "NoSuchEntity",
      admin("iam", "get-role-policy", "--role-name", "ci-publisher", "--policy-name", "publish"),
    );
    await fails(
      "MalformedPolicyDocument",
      admin(
        "iam",
        "put-role-policy",
        "--role-name",
        "ci-publisher",
        "--policy-name",
        "x",
        "--policy-document",
        "{not json",
      ),
    );

    // Inline and managed policies, and a permissions boundary.
    await ok(
      "iam",
      "put-role-policy",
      "--role-name",
      "ci-publisher",
      "--policy-name",
      "publish",
      "--policy-document",
      await file("publish.json", PUBLISH),
    );
    const inline = await ok(
      "iam",
      "get-role-policy",
      "--role-name",
      "ci-publisher",
      "--policy-name",
      "publish",
    );
    assert.deepEqual(inline, { RoleName: "ci-publisher", PolicyName: "publish", PolicyDocument: PUBLISH });
    assert.deepEqual((await ok("iam", "list-role-policies", "--role-name", "ci-publisher")).PolicyNames, [
      "publish",
    ]);
    const policy = await ok(
      "iam",
      "create-policy",
      "--policy-name",
      "read-releases",
      "--path",
      "/ci/",
      "--policy-document",
      await file("read.json", PUBLISH),
    );
    const policyArn = policy.Policy.Arn as string;
    assert.equal(policyArn, "arn:aws:iam::000000000000:policy/ci/read-releases");
    assert.match(policy.Policy.PolicyId, /^ANPA[A-Z2-7]{16}$/);
    assert.equal(policy.Policy.DefaultVersionId, "v1");
    await ok("iam", "attach-role-policy", "--role-name", "ci-publisher", "--policy-arn", policyArn);
    assert.deepEqual(
      (await ok("iam", "list-attached-role-policies", "--role-name", "ci-publisher")).AttachedPolicies,
      [{ PolicyName: "read-releases", PolicyArn: policyArn }],
    );
    const version = await ok("iam", "get-policy-version", "--policy-arn", policyArn, "--version-id", "v1");
    assert.deepEqual(version.PolicyVersion.Document, PUBLISH);
    await fails(
      "NoSuchEntity",
      admin("iam", "get-policy-version", "--policy-arn", policyArn, "--version-id", "v2"),
    );
    assert.deepEqual((await ok("iam", "list-roles", "--path-prefix", "/other/")).Roles, []);
    assert.equal((await ok("iam", "get-policy", "--policy-arn", policyArn)).Policy.AttachmentCount, 1);
    assert.equal(
      (await ok("iam", "list-policies", "--scope", "Local", "--only-attached")).Policies.length,
      1,
    );
    await fails(
      "NoSuchEntity",
      admin(
        "iam",
        "attach-role-policy",
        "--role-name",
        "ci-publisher",
        "--policy-arn",
        "arn:aws:iam::000000000000:policy/none",
      ),
    );
    await fails("DeleteConflict", admin("iam", "delete-policy", "--policy-arn", policyArn));
    await ok(
      "iam",
      "put-role-permissions-boundary",
      "--role-name",
      "ci-publisher",
      "--permissions-boundary",
      policyArn,
    );
    assert.equal(
      (await ok("iam", "get-role", "--role-name", "ci-publisher")).Role.PermissionsBoundary
        ?.PermissionsBoundaryArn,
      policyArn,
    );

    // Tags.
    await ok("iam", "tag-role", "--role-name", "ci-publisher", "--tags", "Key=env,Value=prod");
    await ok("iam", "untag-role", "--role-name", "ci-publisher", "--tag-keys", "team");
    assert.deepEqual((await ok("iam", "list-role-tags", "--role-name", "ci-publisher")).Tags, [
      { Key: "env", Value: "prod" },
    ]);

    // Instance profiles hold one role.
    const profile = await ok("iam", "create-instance-profile", "--instance-profile-name", "ci-agent");
    assert.match(profile.InstanceProfile.InstanceProfileId, /^AIPA[A-Z2-7]{16}$/);
    assert.deepEqual(profile.InstanceProfile.Roles, []);
    await ok(
      "iam",
      "add-role-to-instance-profile",
      "--instance-profile-name",
      "ci-agent",
      "--role-name",
      "ci-publisher",
    );
    await ok(
      "iam",
      "create-role",
      "--role-name",
      "other",
      "--assume-role-policy-document",
      await file("t3.json", TRUST),
    );
    await fails(
      "LimitExceeded",
      admin(
        "iam",
        "add-role-to-instance-profile",
        "--instance-profile-name",
        "ci-agent",
        "--role-name",
        "other",
      ),
    );
    const fetched = await ok("iam", "get-instance-profile", "--instance-profile-name", "ci-agent");
    assert.deepEqual(
      fetched.InstanceProfile.Roles.map((r: { RoleName: string }) => r.RoleName),
      ["ci-publisher"],
    );
    assert.deepEqual(
      (
        await ok("iam", "list-instance-profiles-for-role", "--role-name", "ci-publisher")
      ).InstanceProfiles.map((p: { InstanceProfileName: string }) => p.InstanceProfileName),
      ["ci-agent"],
    );

    // Deleting what is in use is DeleteConflict, in AWS's order; then everything goes.
    await fails(
      "DeleteConflict",
      admin("iam", "delete-instance-profile", "--instance-profile-name", "ci-agent"),
    );
    assert.match(
      await fails("DeleteConflict", admin("iam", "delete-role", "--role-name", "ci-publisher")),
      /must delete policies first/,
    );
    await ok("iam", "delete-role-policy", "--role-name", "ci-publisher", "--policy-name", "publish");
    assert.match(
      await fails("DeleteConflict", admin("iam", "delete-role", "--role-name", "ci-publisher")),
      /detach all policies/,
    );
    await ok("iam", "detach-role-policy", "--role-name", "ci-publisher", "--policy-arn", policyArn);
    assert.match(
      await fails("DeleteConflict", admin("iam", "delete-role", "--role-name", "ci-publisher")),
      /instance profile/,
    );
    await ok(
      "iam",
      "remove-role-from-instance-profile",
      "--instance-profile-name",
      "ci-agent",
      "--role-name",
      "ci-publisher",
    );
    await ok("iam", "delete-instance-profile", "--instance-profile-name", "ci-agent");
    await ok("iam", "delete-role", "--role-name", "ci-publisher");
    await ok("iam", "delete-policy", "--policy-arn", policyArn);
    assert.deepEqual(
      (await ok("iam", "list-roles")).Roles.map((r: { RoleName: string }) => r.RoleName),
      ["other"],
    );
    assert.deepEqual((await ok("iam", "list-policies")).Policies, []);

    // A key allowed only iam:Get* reads but cannot create; one without iam:PassRole cannot put a role in a profile.
    const reader = awsCli(
      server.cloudUrl,
      home,
      await newKey("iam-reader", [{ Effect: "Allow", Action: "iam:Get*", Resource: "*" }]),
    );
    assert.equal((await reader("iam", "get-role", "--role-name", "other")).code, 0);
    const denied = await fails(
      "AccessDenied",
      reader(
        "iam",
        "create-role",
        "--role-name",
        "sneaky",
        "--assume-role-policy-document",
        await file("t4.json", TRUST),
      ),
    );
    assert.match(denied, /iam:CreateRole on resource: arn:aws:iam::000000000000:role\/sneaky/);
    await fails("NoSuchEntity", admin("iam", "get-role", "--role-name", "sneaky"));
    const profiler = awsCli(
      server.cloudUrl,
      home,
      await newKey("iam-profiler", [
        { Effect: "Allow", Action: ["iam:*InstanceProfile*", "iam:GetRole"], Resource: "*" },
      ]),
    );
    assert.equal((await profiler("iam", "create-instance-profile", "--instance-profile-name", "p2")).code, 0);
    assert.match(
      await fails(
        "AccessDenied",
        profiler(
          "iam",
          "add-role-to-instance-profile",
          "--instance-profile-name",
          "p2",
          "--role-name",
          "other",
        ),
      ),
      /iam:PassRole/,
    );
    assert.deepEqual(
      (await ok("iam", "get-instance-profile", "--instance-profile-name", "p2")).InstanceProfile.Roles,
      [],
    );
  },
);
