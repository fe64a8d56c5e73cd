/**
 * Managed policies, permissions boundaries and instance profiles (migration 009) through their services on both
 * backends: attachment and boundary documents reach the RoleLookup, DeleteConflict while in use, one role per
 * instance profile with iam:PassRole checked before anything changes, and tags.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { AccessKey } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
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
