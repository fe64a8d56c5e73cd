/**
 * The audit entries of role, managed policy and instance-profile changes, over real HTTP (REST) and Debian's
 * awscli 2.9 (the IAM Query API on the cloud endpoint): each change leaves exactly one entry with its actor (the
 * user, or the signing principal's ARN) and target, names and ARNs but no policy document; a refused change
 * (malformed policy, DeleteConflict, AccessDenied, a no-op) leaves none; and a change whose entry cannot be
 * written rolls back.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, apiPath, type AuditEntryDto, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { tempDir } from "@fawkes/testing";
import { awsCli } from "../cloud/support.ts";
import { allEntries, call, failingAuditInserts, ok, summary } from "./audit-support.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const TRUST_AGENTS = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: "arn:aws:iam::000000000000:root" }, Action: "sts:AssumeRole" },
  ],
};
const READ = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::releases/*" }],
};
const BAD = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Maybe", Action: "s3:GetObject", Resource: "*" }],
};

const IAM_ACTION = /^(role|policy|instance-profile)\./;

/** The IAM entries since the test's start, oldest first. */
async function iamEntries(server: HttpServer): Promise<AuditEntryDto[]> {
  return (await allEntries(server)).filter((entry) => IAM_ACTION.test(entry.action));
}

/** Asserts that no entry copies a policy document (they name policies, never hold them). */
function assertNoDocuments(entries: AuditEntryDto[]): void {
  for (const entry of entries)
    assert.doesNotMatch(
      JSON.stringify(entry.details),
      /Statement|sts:AssumeRole|s3:GetObject/,
      summary(entry),
    );
}

async function newKey(server: HttpServer, name: string, statements: object[]): Promise<CreatedAccessKeyDto> {
  return JSON.parse(
    await ok(server, "POST", ApiRoutes.credentials, {
      name,
      policy: { Version: "2012-10-17", Statement: statements },
    }),
  ) as CreatedAccessKeyDto;
}

test(
  "REST: every role, policy and instance-profile change leaves one entry by its user; refusals leave none",
  { timeout: 90_000 },
  async (t) => {
    const server = await startHttpServer(t);
    const expected: string[] = [];
    const refused = async (status: number, method: string, route: string, body?: unknown) => {
      const answer = await call(server, method, route, body);
      assert.equal(answer.status, status, `${method} ${route}: ${answer.text}`);
      assert.deepEqual((await iamEntries(server)).map(summary), expected, `${method} ${route} left an entry`);
    };
    const role = apiPath(ApiRoutes.role, { role: "deployer" });
    const inline = apiPath(ApiRoutes.rolePolicy, { role: "deployer", policy: "read-releases" });
    const attached = apiPath(ApiRoutes.roleAttached, { role: "deployer" });
    const policy = apiPath(ApiRoutes.policy, { policy: "readers" });
    const profile = apiPath(ApiRoutes.instanceProfile, { profile: "web" });
    const profileRole = apiPath(ApiRoutes.instanceProfileRole, { profile: "web" });

    await ok(server, "POST", ApiRoutes.roles, { name: "deployer", trustPolicy: TRUST, tags: { team: "ci" } });
    expected.push("role.create user:admin role/deployer");
    await refused(400, "POST", ApiRoutes.roles, { name: "broken", trustPolicy: BAD });
    await refused(409, "POST", ApiRoutes.roles, { name: "Deployer", trustPolicy: TRUST });
    await ok(server, "PUT", role, { trustPolicy: TRUST_AGENTS });
    expected.push("role.trust.update user:admin role/deployer");
    await refused(400, "PUT", role, { trustPolicy: BAD });
    await ok(server, "PUT", inline, { document: READ });
    expected.push("role.policy.put user:admin role/deployer");
    await refused(400, "PUT", inline, { document: BAD });
    await ok(server, "POST", ApiRoutes.policies, { name: "readers", document: READ });
    expected.push("policy.create user:admin policy/readers");
    await ok(server, "POST", attached, { policy: "readers" });
    expected.push("role.policy.attach user:admin role/deployer");
    await refused(409, "DELETE", policy);
    await refused(409, "DELETE", role);
    await ok(server, "POST", ApiRoutes.instanceProfiles, { name: "web", role: "deployer" });
    expected.push("instance-profile.create user:admin instance-profile/web");
    expected.push("instance-profile.role.add user:admin instance-profile/web");
    await refused(409, "DELETE", profile);
    await refused(404, "PUT", profileRole, { role: "nobody" });
    await ok(server, "DELETE", profileRole);
    expected.push("instance-profile.role.remove user:admin instance-profile/web");
    await ok(server, "DELETE", profile);
    expected.push("instance-profile.delete user:admin instance-profile/web");
    await ok(server, "DELETE", `${attached}?policy=readers`);
    expected.push("role.policy.detach user:admin role/deployer");
    await ok(server, "DELETE", policy);
    expected.push("policy.delete user:admin policy/readers");
    await ok(server, "DELETE", inline);
    expected.push("role.policy.delete user:admin role/deployer");
    await refused(404, "DELETE", inline);
    await ok(server, "DELETE", role);
    expected.push("role.delete user:admin role/deployer");
    await refused(404, "DELETE", role);

    const entries = await iamEntries(server);
    assert.deepEqual(entries.map(summary), expected);
    for (const entry of entries) assert.equal(entry.sourceIp, "127.0.0.1", summary(entry));
    assertNoDocuments(entries);
    const details = (action: string) => entries.find((entry) => entry.action === action)?.details;
    const roleArn = "arn:aws:iam::000000000000:role/deployer";
    const policyArn = "arn:aws:iam::000000000000:policy/readers";
    assert.deepEqual(details("role.create"), {
      arn: roleArn,
      permissionsBoundaryArn: null,
      tags: { team: "ci" },
    });
    assert.deepEqual(details("role.policy.put"), { policyName: "read-releases" });
    assert.deepEqual(details("role.policy.attach"), { policyArn });
    assert.deepEqual(details("policy.create"), { arn: policyArn, tags: {} });
    assert.deepEqual(details("instance-profile.role.add"), { role: "deployer", roleArn });
    assert.deepEqual(details("role.delete"), { arn: roleArn });
  },
);

test(
  "aws iam: every change leaves one entry by the signing principal; AccessDenied, DeleteConflict, malformed policies and no-ops leave none",
  { timeout: 300_000 },
  async (t) => {
    const server = await startHttpServer(t);
    const cloudUrl = server.engine.ctx.cloud?.url ?? assert.fail("no cloud endpoint");
    const home = await tempDir(t, "fawkes-aws-home-");
    const adminKey = await newKey(server, "iam-admin", [{ Effect: "Allow", Action: "*", Resource: "*" }]);
    const readerKey = await newKey(server, "iam-reader", [
      { Effect: "Allow", Action: "iam:Get*", Resource: "*" },
    ]);
    const admin = awsCli(cloudUrl, home, adminKey);
    const reader = awsCli(cloudUrl, home, readerKey);
    const by = `user:${adminKey.principal}`;
    assert.equal(adminKey.principal, "arn:aws:iam::000000000000:user/iam-admin");
    const file = async (name: string, document: unknown) => {
      await writeFile(path.join(home, name), JSON.stringify(document));
      return `file://${path.join(home, name)}`;
    };
    const expected: string[] = [];
    const aws = async (...args: string[]) => {
      const result = await admin(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
    };
    /** A refused call (AWS's error `code`) or a no-op (`code` undefined) leaves no entry. */
    const noEntry = async (code: string | undefined, call: Promise<{ code: number; stderr: string }>) => {
      const result = await call;
      if (code === undefined) assert.equal(result.code, 0, result.stderr);
      else assert.match(result.stderr, new RegExp(`\\(${code}\\)`), result.stderr);
      assert.deepEqual((await iamEntries(server)).map(summary), expected);
    };
    const trust = await file("trust.json", TRUST);
    const policyArn = "arn:aws:iam::000000000000:policy/readers";
    const boundaryArn = "arn:aws:iam::000000000000:policy/cap";

    await noEntry(
      "AccessDenied",
      reader("iam", "create-role", "--role-name", "ci", "--assume-role-policy-document", trust),
    );
    await noEntry(
      "MalformedPolicyDocument",
      admin(
        "iam",
        "create-role",
        "--role-name",
        "ci",
        "--assume-role-policy-document",
        await file("bad.json", BAD),
      ),
    );
    await aws(
      "iam",
      "create-role",
      "--role-name",
      "ci",
      "--path",
      "/ci/",
      "--assume-role-policy-document",
      trust,
    );
    expected.push(`role.create ${by} role/ci`);
    await aws(
      "iam",
      "update-assume-role-policy",
      "--role-name",
      "ci",
      "--policy-document",
      await file("t2.json", TRUST_AGENTS),
    );
    expected.push(`role.trust.update ${by} role/ci`);
    await aws(
      "iam",
      "put-role-policy",
      "--role-name",
      "ci",
      "--policy-name",
      "read",
      "--policy-document",
      await file("read.json", READ),
    );
    expected.push(`role.policy.put ${by} role/ci`);
    await aws(
      "iam",
      "create-policy",
      "--policy-name",
      "readers",
      "--policy-document",
      await file("read2.json", READ),
    );
    expected.push(`policy.create ${by} policy/readers`);
    await aws(
      "iam",
      "create-policy",
      "--policy-name",
      "cap",
      "--policy-document",
      await file("cap.json", READ),
    );
    expected.push(`policy.create ${by} policy/cap`);
    await noEntry(
      "NoSuchEntity",
      admin("iam", "attach-role-policy", "--role-name", "ci", "--policy-arn", `${policyArn}-x`),
    );
    await aws("iam", "attach-role-policy", "--role-name", "ci", "--policy-arn", policyArn);
    expected.push(`role.policy.attach ${by} role/ci`);
    await aws(
      "iam",
      "put-role-permissions-boundary",
      "--role-name",
      "ci",
      "--permissions-boundary",
      boundaryArn,
    );
    expected.push(`role.boundary.put ${by} role/ci`);
    await aws("iam", "tag-role", "--role-name", "ci", "--tags", "Key=team,Value=ci");
    expected.push(`role.tag ${by} role/ci`);
    await noEntry(undefined, admin("iam", "tag-role", "--role-name", "ci", "--tags", "Key=team,Value=ci"));
    await aws("iam", "untag-role", "--role-name", "ci", "--tag-keys", "team");
    expected.push(`role.untag ${by} role/ci`);
    await noEntry(undefined, admin("iam", "untag-role", "--role-name", "ci", "--tag-keys", "team"));
    await aws("iam", "create-instance-profile", "--instance-profile-name", "web");
    expected.push(`instance-profile.create ${by} instance-profile/web`);
    await aws("iam", "add-role-to-instance-profile", "--instance-profile-name", "web", "--role-name", "ci");
    expected.push(`instance-profile.role.add ${by} instance-profile/web`);

    await noEntry("DeleteConflict", admin("iam", "delete-role", "--role-name", "ci"));
    await noEntry("DeleteConflict", admin("iam", "delete-policy", "--policy-arn", boundaryArn));
    await noEntry(
      "DeleteConflict",
      admin("iam", "delete-instance-profile", "--instance-profile-name", "web"),
    );
    await noEntry(
      "AccessDenied",
      reader("iam", "delete-role-policy", "--role-name", "ci", "--policy-name", "read"),
    );

    await aws(
      "iam",
      "remove-role-from-instance-profile",
      "--instance-profile-name",
      "web",
      "--role-name",
      "ci",
    );
    expected.push(`instance-profile.role.remove ${by} instance-profile/web`);
    await aws("iam", "delete-instance-profile", "--instance-profile-name", "web");
    expected.push(`instance-profile.delete ${by} instance-profile/web`);
    await aws("iam", "delete-role-permissions-boundary", "--role-name", "ci");
    expected.push(`role.boundary.delete ${by} role/ci`);
    await noEntry(undefined, admin("iam", "delete-role-permissions-boundary", "--role-name", "ci"));
    await aws("iam", "delete-policy", "--policy-arn", boundaryArn);
    expected.push(`policy.delete ${by} policy/cap`);
    await aws("iam", "detach-role-policy", "--role-name", "ci", "--policy-arn", policyArn);
    expected.push(`role.policy.detach ${by} role/ci`);
    await aws("iam", "delete-policy", "--policy-arn", policyArn);
    expected.push(`policy.delete ${by} policy/readers`);
    await aws("iam", "delete-role-policy", "--role-name", "ci", "--policy-name", "read");
    expected.push(`role.policy.delete ${by} role/ci`);
    await aws("iam", "delete-role", "--role-name", "ci");
    expected.push(`role.delete ${by} role/ci`);

    const entries = await iamEntries(server);
    assert.deepEqual(entries.map(summary), expected);
    for (const entry of entries) assert.equal(entry.sourceIp, "127.0.0.1", summary(entry));
    assertNoDocuments(entries);
    const details = (action: string) => entries.find((entry) => entry.action === action)?.details;
    assert.deepEqual(details("role.create"), {
      arn: "arn:aws:iam::000000000000:role/ci/ci",
      permissionsBoundaryArn: null,
      tags: {},
    });
    assert.deepEqual(details("role.boundary.put"), { policyArn: boundaryArn, previous: null });
    assert.deepEqual(details("role.boundary.delete"), { previous: boundaryArn });
    assert.deepEqual(details("role.tag"), { tags: { team: "ci" } });
    assert.deepEqual(details("role.untag"), { keys: ["team"] });
    // The filter finds the principal's changes by its ARN.
    const page = JSON.parse(
      await ok(server, "GET", `${ApiRoutes.audit}?actor=${encodeURIComponent(adminKey.principal)}&limit=500`),
    ) as { entries: AuditEntryDto[] };
    assert.equal(page.entries.length, expected.length);
  },
);

test(
  "a role, policy or instance-profile change whose entry cannot be written is rolled back (REST and aws iam)",
  { timeout: 120_000 },
  async (t) => {
    const { plugin, armed } = failingAuditInserts();
    const server = await startHttpServer(t, { plugins: [plugin] });
    const cloudUrl = server.engine.ctx.cloud?.url ?? assert.fail("no cloud endpoint");
    const home = await tempDir(t, "fawkes-aws-home-");
    const key = await newKey(server, "iam-admin", [{ Effect: "Allow", Action: "*", Resource: "*" }]);
    const admin = awsCli(cloudUrl, home, key);
    await ok(server, "POST", ApiRoutes.roles, { name: "kept", trustPolicy: TRUST });
    await ok(server, "PUT", apiPath(ApiRoutes.rolePolicy, { role: "kept", policy: "read" }), {
      document: READ,
    });
    await ok(server, "POST", ApiRoutes.policies, { name: "readers", document: READ });
    await ok(server, "POST", ApiRoutes.instanceProfiles, { name: "web" });
    const { db } = server.engine.ctx;
    const snapshot = async () =>
      JSON.stringify({
        roles: await db.selectFrom("roles").selectAll().orderBy("name").execute(),
        inline: await db.selectFrom("role_policies").selectAll().orderBy("name").execute(),
        managed: await db.selectFrom("managed_policies").selectAll().orderBy("name").execute(),
        attached: await db.selectFrom("role_policy_attachments").selectAll().execute(),
        profiles: await db.selectFrom("instance_profiles").selectAll().orderBy("name").execute(),
        audit: await db.selectFrom("audit_log").selectAll().orderBy("id").execute(),
      });
    const before = await snapshot();

    armed.on = true;
    const changes: [string, string, unknown][] = [
      ["POST", ApiRoutes.roles, { name: "lost", trustPolicy: TRUST }],
      ["PUT", apiPath(ApiRoutes.role, { role: "kept" }), { trustPolicy: TRUST_AGENTS }],
      ["PUT", apiPath(ApiRoutes.rolePolicy, { role: "kept", policy: "other" }), { document: READ }],
      ["DELETE", apiPath(ApiRoutes.rolePolicy, { role: "kept", policy: "read" }), undefined],
      ["POST", apiPath(ApiRoutes.roleAttached, { role: "kept" }), { policy: "readers" }],
      ["POST", ApiRoutes.policies, { name: "lost", document: READ }],
      ["DELETE", apiPath(ApiRoutes.policy, { policy: "readers" }), undefined],
      ["POST", ApiRoutes.instanceProfiles, { name: "lost" }],
      ["PUT", apiPath(ApiRoutes.instanceProfileRole, { profile: "web" }), { role: "kept" }],
      ["DELETE", apiPath(ApiRoutes.instanceProfile, { profile: "web" }), undefined],
    ];
    for (const [method, route, body] of changes) {
      const answer = await call(server, method, route, body);
      assert.equal(answer.status, 500, `${method} ${route}: ${answer.text}`);
    }
    const trust = path.join(home, "trust.json");
    await writeFile(trust, JSON.stringify(TRUST));
    // A 500 is not retried: each refused call is one request.
    await writeFile(path.join(home, "config"), "[default]\nmax_attempts = 1\n");
    for (const args of [
      ["create-role", "--role-name", "lost", "--assume-role-policy-document", `file://${trust}`],
      ["tag-role", "--role-name", "kept", "--tags", "Key=team,Value=ci"],
      [
        "attach-role-policy",
        "--role-name",
        "kept",
        "--policy-arn",
        "arn:aws:iam::000000000000:policy/readers",
      ],
      ["create-instance-profile", "--instance-profile-name", "lost"],
    ]) {
      const result = await admin("iam", ...args);
      assert.notEqual(result.code, 0, `aws iam ${args.join(" ")} succeeded`);
    }
    assert.equal(await snapshot(), before, "nothing changed");
  },
);
