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
    /** `aws iam COMMAND --KEY VALUE…` as `caller`. */
    const iam = (caller: typeof admin, command: string, options: Record<string, string>) =>
      caller("iam", command, ...Object.entries(options).flatMap(([key, value]) => [`--${key}`, value]));
    /** A change the administrator key makes: it succeeds and leaves the one entry `ACTION by TARGET`. */
    const change = async (
      action: string,
      target: string,
      command: string,
      options: Record<string, string>,
    ) => {
      const result = await iam(admin, command, options);
      assert.equal(result.code, 0, `aws iam ${command}: ${result.stderr}`);
      expected.push(`${action} ${by} ${target}`);
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
    const ci = { "role-name": "ci" };
    const web = { "instance-profile-name": "web" };
    const tags = { ...ci, tags: "Key=team,Value=ci" };
    const untag = { ...ci, "tag-keys": "team" };

    const createCi = { ...ci, "assume-role-policy-document": trust };
    await noEntry("AccessDenied", iam(reader, "create-role", createCi));
    const bad = { ...ci, "assume-role-policy-document": await file("bad.json", BAD) };
    await noEntry("MalformedPolicyDocument", iam(admin, "create-role", bad));
    await change("role.create", "role/ci", "create-role", { ...createCi, path: "/ci/" });
    const trustAgents = { ...ci, "policy-document": await file("t2.json", TRUST_AGENTS) };
    await change("role.trust.update", "role/ci", "update-assume-role-policy", trustAgents);
    const read = { ...ci, "policy-name": "read", "policy-document": await file("read.json", READ) };
    await change("role.policy.put", "role/ci", "put-role-policy", read);
    const readers = { "policy-name": "readers", "policy-document": await file("read2.json", READ) };
    await change("policy.create", "policy/readers", "create-policy", readers);
    const cap = { "policy-name": "cap", "policy-document": await file("cap.json", READ) };
    await change("policy.create", "policy/cap", "create-policy", cap);
    await noEntry(
      "NoSuchEntity",
      iam(admin, "attach-role-policy", { ...ci, "policy-arn": `${policyArn}-x` }),
    );
    await change("role.policy.attach", "role/ci", "attach-role-policy", { ...ci, "policy-arn": policyArn });
    const boundary = { ...ci, "permissions-boundary": boundaryArn };
    await change("role.boundary.put", "role/ci", "put-role-permissions-boundary", boundary);
    await change("role.tag", "role/ci", "tag-role", tags);
    await noEntry(undefined, iam(admin, "tag-role", tags));
    await change("role.untag", "role/ci", "untag-role", untag);
    await noEntry(undefined, iam(admin, "untag-role", untag));
    await change("instance-profile.create", "instance-profile/web", "create-instance-profile", web);
    const webCi = { ...web, ...ci };
    await change("instance-profile.role.add", "instance-profile/web", "add-role-to-instance-profile", webCi);

    await noEntry("DeleteConflict", iam(admin, "delete-role", ci));
    await noEntry("DeleteConflict", iam(admin, "delete-policy", { "policy-arn": boundaryArn }));
    await noEntry("DeleteConflict", iam(admin, "delete-instance-profile", web));
    await noEntry("AccessDenied", iam(reader, "delete-role-policy", { ...ci, "policy-name": "read" }));

    const remove = "remove-role-from-instance-profile";
    await change("instance-profile.role.remove", "instance-profile/web", remove, webCi);
    await change("instance-profile.delete", "instance-profile/web", "delete-instance-profile", web);
    await change("role.boundary.delete", "role/ci", "delete-role-permissions-boundary", ci);
    await noEntry(undefined, iam(admin, "delete-role-permissions-boundary", ci));
    await change("policy.delete", "policy/cap", "delete-policy", { "policy-arn": boundaryArn });
    await change("role.policy.detach", "role/ci", "detach-role-policy", { ...ci, "policy-arn": policyArn });
    await change("policy.delete", "policy/readers", "delete-policy", { "policy-arn": policyArn });
    await change("role.policy.delete", "role/ci", "delete-role-policy", { ...ci, "policy-name": "read" });
    await change("role.delete", "role/ci", "delete-role", ci);

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
