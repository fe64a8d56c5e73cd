/**
 * Managed policies, permissions boundaries and instance profiles (migration 009) through their services on both
 * backends: attachment and boundary documents reach the RoleLookup, DeleteConflict while in use, one role per
 * instance profile with iam:PassRole checked before anything changes, and tags. Versions (migration 016): a
 * database from before 016 has each policy's document moved into `v1`, the default, which is what a role's lookup
 * evaluates; versions follow AWS's rules (five at most, the default kept, ids never reused), and a refused change
 * leaves everything as it was.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { AccessKey } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { sql } from "kysely";
import { Identity } from "../../src/identity/iam-store.ts";
import { openStore, testOnEachBackend } from "./backends.ts";

const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const doc = (action: string) => ({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
});

async function code(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof FawkesError, String(error));
    return error.code;
  }
  assert.fail("expected a FawkesError");
}

testOnEachBackend("managed policies, boundaries and instance profiles", async (t, backend) => {
  const { db } = await openStore(t, await backend.create(t), randomBytes(32));
  const { roles, policies, instanceProfiles } = new Identity(db, () => 1_800_000_000_000);
  await roles.createRole({ name: "app", trustPolicy: TRUST, tags: { team: "ci" } });

  const read = await policies.createPolicy({
    name: "read",
    path: "/ci/",
    document: JSON.stringify(doc("s3:Get*")),
  });
  assert.match(read.policyId, /^ANPA[A-Z2-7]{16}$/);
  assert.equal(read.arn, "arn:aws:iam::000000000000:policy/ci/read");
  assert.equal(
    await code(policies.createPolicy({ name: "READ", document: doc("s3:*") })),
    ErrorCode.entityAlreadyExists,
  );
  assert.equal(
    await code(policies.createPolicy({ name: "bad", document: { Statement: [{}] } })),
    ErrorCode.validation,
  );
  const cap = await policies.createPolicy({ name: "cap", document: doc("s3:*") });
  assert.equal(await policies.arnOf("CAP"), cap.arn);

  await roles.putRolePolicy("app", "inline", doc("sts:GetCallerIdentity"));
  await roles.attachRolePolicy("app", read.arn);
  await roles.attachRolePolicy("app", read.arn); // attaching twice is one attachment
  await roles.putRolePermissionsBoundary("app", cap.arn);
  assert.equal(
    await code(roles.attachRolePolicy("app", "arn:aws:iam::000000000000:policy/none")),
    ErrorCode.policyNotFound,
  );
  const lookup = await roles.findRole("app");
  assert.deepEqual(lookup?.policies, [doc("sts:GetCallerIdentity"), doc("s3:Get*")]);
  assert.deepEqual(lookup?.permissionsBoundary, doc("s3:*"));
  assert.equal((await policies.getPolicy(read.arn)).attachmentCount, 1);
  assert.equal((await policies.getPolicy(cap.arn)).permissionsBoundaryUsageCount, 1);
  assert.deepEqual(
    (await policies.listPolicies({ onlyAttached: true })).map((p) => p.name),
    ["read"],
  );
  assert.equal(await code(policies.deletePolicy(read.arn)), ErrorCode.deleteConflict);
  assert.equal(await code(policies.deletePolicy(cap.arn)), ErrorCode.deleteConflict);

  await roles.tagRole("app", { env: "prod" });
  await roles.untagRole("app", ["team"]);
  assert.deepEqual((await roles.getRole("app")).tags, { env: "prod" });

  // Instance profiles: one role each; PassRole is checked before anything changes.
  const profile = await instanceProfiles.createInstanceProfile({ name: "agents" });
  assert.match(profile.instanceProfileId, /^AIPA[A-Z2-7]{16}$/);
  const weak: AccessKey = {
    accessKeyId: "AKIAEXAMPLE000000002",
    secretAccessKey: "s",
    principalArn: "arn:aws:iam::000000000000:user/weak",
    policies: [doc("iam:AddRoleToInstanceProfile")],
  };
  assert.equal(
    await code(instanceProfiles.addRoleToInstanceProfile("agents", "app", weak)),
    ErrorCode.forbidden,
  );
  assert.deepEqual((await instanceProfiles.getInstanceProfile("agents")).roles, []);
  await instanceProfiles.addRoleToInstanceProfile("agents", "app", { kind: "user", name: "admin" });
  await roles.createRole({ name: "other", trustPolicy: TRUST });
  assert.equal(
    await code(instanceProfiles.addRoleToInstanceProfile("agents", "other", { kind: "user", name: "admin" })),
    ErrorCode.limitExceeded,
  );
  assert.equal((await roles.roleOfInstanceProfile("agents"))?.name, "app");
  assert.equal(await code(instanceProfiles.deleteInstanceProfile("agents")), ErrorCode.deleteConflict);
  assert.equal(
    await code(instanceProfiles.removeRoleFromInstanceProfile("agents", "other")),
    ErrorCode.roleNotFound,
  );

  // Taken apart in order.
  await instanceProfiles.removeRoleFromInstanceProfile("agents", "app");
  await instanceProfiles.deleteInstanceProfile("agents");
  await roles.deleteRolePolicy("app", "inline");
  await roles.detachRolePolicy("app", read.arn);
  await roles.deleteRolePermissionsBoundary("app");
  assert.equal((await roles.findRole("app"))?.permissionsBoundary, undefined);
  await roles.deleteRole("app");
  await policies.deletePolicy(read.arn);
  await policies.deletePolicy(cap.arn);
  assert.deepEqual(await policies.listPolicies(), []);
  assert.deepEqual(await instanceProfiles.listInstanceProfiles(), []);
});

testOnEachBackend("migration 016 moves each policy's document into v1, its default", async (t, backend) => {
  const target = await backend.create(t);
  const dataKey = randomBytes(32);
  const arn = "arn:aws:iam::000000000000:policy/ci/old";
  {
    const { db, close } = await openStore(t, target, dataKey);
    // Back to the schema before 016, then a policy (attached to a role) as a server before 016 wrote it.
    await sql`drop table managed_policy_versions`.execute(db);
    for (const column of ["default_version", "next_version", "tags_json", "updated_at"])
      await sql`alter table managed_policies drop column ${sql.raw(column)}`.execute(db);
    await sql`alter table managed_policies add column document_json text not null default '{}'`.execute(db);
    await sql`delete from fawkes_migrations where name = '016-policy-versions'`.execute(db);
    await sql`insert into managed_policies (policy_id, name, name_key, path, arn, description, document_json,
      created_at) values ('ANPAOLDOLDOLDOLDOLDO', 'old', 'old', '/ci/', ${arn}, 'from before',
      ${JSON.stringify(doc("s3:GetObject"))}, 1700000000000)`.execute(db);
    await close();
  }
  const { db } = await openStore(t, target, dataKey);
  const columns = await sql<{ n: number }>`select count(*) as n from managed_policy_versions`.execute(db);
  assert.equal(Number(columns.rows[0]!.n), 1);
  const { roles, policies } = new Identity(db, () => 1_800_000_000_000);
  const policy = await policies.getPolicy(arn);
  assert.deepEqual(
    [policy.defaultVersionId, policy.document, policy.tags, policy.createdAt, policy.updatedAt],
    ["v1", doc("s3:GetObject"), {}, 1_700_000_000_000, 1_700_000_000_000],
  );
  assert.deepEqual(await policies.listPolicyVersions(arn), [
    { versionId: "v1", document: doc("s3:GetObject"), isDefaultVersion: true, createdAt: 1_700_000_000_000 },
  ]);
  await roles.createRole({ name: "app", trustPolicy: TRUST });
  await roles.attachRolePolicy("app", arn);
  assert.deepEqual((await roles.findRole("app"))?.policies, [doc("s3:GetObject")]);
  // The migrated policy takes new versions after v1.
  assert.equal((await policies.createPolicyVersion(arn, doc("s3:PutObject"), true)).versionId, "v2");
  assert.deepEqual((await roles.findRole("app"))?.policies, [doc("s3:PutObject")]);
});

testOnEachBackend(
  "versions: the default is evaluated, five at most, ids never reused",
  async (t, backend) => {
    const { db } = await openStore(t, await backend.create(t), randomBytes(32));
    let now = 1_800_000_000_000;
    const { roles, policies } = new Identity(db, () => now);
    const { arn } = await policies.createPolicy({ name: "p", document: doc("s3:A"), tags: { team: "ci" } });
    await roles.createRole({ name: "app", trustPolicy: TRUST, permissionsBoundaryArn: arn });
    await roles.attachRolePolicy("app", arn);
    const role = async () => {
      const found = await roles.findRole("app");
      return [found?.policies, found?.permissionsBoundary];
    };
    assert.deepEqual(await role(), [[doc("s3:A")], doc("s3:A")]);
    const using = await policies.rolesUsingPolicy(arn);
    assert.deepEqual(
      [using.attached.map((r) => r.name), using.bounded.map((r) => r.name)],
      [["app"], ["app"]],
    );

    now += 1000;
    assert.deepEqual(await policies.createPolicyVersion(arn, doc("s3:B"), false), {
      versionId: "v2",
      document: doc("s3:B"),
      isDefaultVersion: false,
      createdAt: now,
    });
    assert.deepEqual(await role(), [[doc("s3:A")], doc("s3:A")], "a non-default version changes nothing");
    await policies.setDefaultPolicyVersion(arn, "v2");
    assert.deepEqual(await role(), [[doc("s3:B")], doc("s3:B")], "the boundary follows the default too");
    assert.equal((await policies.getPolicy(arn)).updatedAt, now);
    for (const action of ["s3:C", "s3:D", "s3:E"])
      await policies.createPolicyVersion(arn, doc(action), false);

    const before = await policies.listPolicyVersions(arn);
    assert.equal(await code(policies.createPolicyVersion(arn, doc("s3:F"), true)), ErrorCode.limitExceeded);
    assert.equal(await code(policies.deletePolicyVersion(arn, "v2")), ErrorCode.deleteConflict);
    assert.equal(await code(policies.deletePolicyVersion(arn, "v9")), ErrorCode.policyNotFound);
    assert.equal(await code(policies.setDefaultPolicyVersion(arn, "v9")), ErrorCode.policyNotFound);
    assert.equal(await code(policies.getPolicyVersion(arn, "2")), ErrorCode.validation);
    assert.equal(await code(policies.createPolicyVersion(arn, { Statement: 1 }, true)), ErrorCode.validation);
    await roles.deleteRolePermissionsBoundary("app");
    await roles.detachRolePolicy("app", arn);
    assert.equal(await code(policies.deletePolicy(arn)), ErrorCode.deleteConflict);
    assert.deepEqual(await policies.listPolicyVersions(arn), before, "refusals changed nothing");

    await policies.deletePolicyVersion(arn, "v5");
    assert.equal((await policies.createPolicyVersion(arn, doc("s3:G"), false)).versionId, "v6");
    for (const id of ["v1", "v3", "v4", "v6"]) await policies.deletePolicyVersion(arn, id);
    await policies.tagPolicy(arn, { env: "prod" });
    await policies.untagPolicy(arn, ["team"]);
    assert.deepEqual((await policies.getPolicy(arn)).tags, { env: "prod" });
    await policies.deletePolicy(arn);
    const left = await sql<{ n: number }>`select count(*) as n from managed_policy_versions`.execute(db);
    assert.equal(Number(left.rows[0]!.n), 0);
  },
);
