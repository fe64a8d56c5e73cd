/**
 * IAM roles in the store (migration 009, roles-repo.ts) through their service (identity/roles.ts) on both
 * backends: AWS-style ids and ARNs, case-insensitive names, trust and inline policies validated with the JSON
 * path of every problem (nothing stored when invalid), DeleteConflict while in use, and the RoleLookup STS uses.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import test from "node:test";
import type { AccessKey } from "@fawkes/cloud";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { Roles, assertCanPassRole } from "../../src/identity/roles.ts";
import { openStore, testOnEachBackend } from "./backends.ts";

const TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const READ_RELEASES = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::releases/*" }],
};

async function rejection(call: Promise<unknown>): Promise<FawkesError> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof FawkesError, String(error));
    return error;
  }
  assert.fail("expected a FawkesError");
}

testOnEachBackend("a role is created, read, looked up by name or ARN, and deleted", async (t, backend) => {
  const { db } = await openStore(t, await backend.create(t), randomBytes(32));
  const roles = new Roles(db, () => 1_800_000_000_000);

  const created = await roles.createRole({
    name: "ci-publisher",
    path: "/ci/",
    trustPolicy: JSON.stringify(TRUST),
    description: "publishes builds",
    tags: { team: "ci" },
  });
  assert.match(created.roleId, /^AROA[A-Z2-7]{16}$/);
  assert.equal(created.arn, "arn:aws:iam::000000000000:role/ci/ci-publisher");
  assert.equal(created.maxSessionDurationSeconds, 3600);
  assert.deepEqual(created.trustPolicy, TRUST);
  assert.deepEqual(await roles.getRole("CI-Publisher"), created, "names are case-insensitive");

  const duplicate = await rejection(roles.createRole({ name: "CI-PUBLISHER", trustPolicy: TRUST }));
  assert.equal(duplicate.code, ErrorCode.entityAlreadyExists);

  await roles.putRolePolicy("ci-publisher", "read", READ_RELEASES);
  await roles.putRolePolicy("ci-publisher", "read", READ_RELEASES); // replaces, not duplicates
  assert.deepEqual(await roles.listRolePolicies("ci-publisher"), ["read"]);
  assert.deepEqual(await roles.getRolePolicy("ci-publisher", "read"), READ_RELEASES);

  const byName = await roles.findRole("ci-publisher");
  const byArn = await roles.findRole(created.arn);
  assert.deepEqual(byName, byArn);
  assert.deepEqual(byName, {
    arn: created.arn,
    name: "ci-publisher",
    path: "/ci/",
    roleId: created.roleId,
    trustPolicy: TRUST,
    policies: [READ_RELEASES],
    maxSessionDurationSeconds: 3600,
    tags: { team: "ci" },
  });
  assert.equal(
    await roles.findRole("arn:aws:iam::000000000000:role/ci-publisher"),
    undefined,
    "path matters",
  );
  assert.equal(await roles.findRole("arn:aws:iam::111111111111:role/ci/ci-publisher"), undefined);
  assert.equal(await roles.findRole("nobody"), undefined);

  const conflict = await rejection(roles.deleteRole("ci-publisher"));
  assert.equal(conflict.code, ErrorCode.deleteConflict);
  assert.match(conflict.message, /must delete policies first/);
  assert.ok(await roles.findRole("ci-publisher"), "a refused delete changes nothing");

  await roles.deleteRolePolicy("ci-publisher", "read");
  assert.equal(
    (await rejection(roles.deleteRolePolicy("ci-publisher", "read"))).code,
    ErrorCode.policyNotFound,
  );
  await roles.deleteRole("ci-publisher");
  assert.equal((await rejection(roles.getRole("ci-publisher"))).code, ErrorCode.roleNotFound);
  assert.deepEqual(await roles.listRoles(), []);
});

testOnEachBackend(
  "malformed documents and names are refused with every JSON path; nothing is stored",
  async (t, backend) => {
    const { db } = await openStore(t, await backend.create(t), randomBytes(32));
    const roles = new Roles(db);

    const bad = await rejection(
      roles.createRole({
        name: "bad name!",
        path: "ci",
        trustPolicy: {
          Version: "2012-10-17",
          Statement: [{ Effect: "Permit", Action: "sts:AssumeRole" }],
        },
        maxSessionDurationSeconds: 60,
      }),
    );
    assert.equal(bad.code, ErrorCode.validation);
    const paths = (bad.errors ?? []).map((e) => e.path);
    assert.ok(paths.includes("name"), paths.join());
    assert.ok(paths.includes("path"), paths.join());
    assert.ok(paths.includes("trustPolicy.Statement[0].Effect"), paths.join());
    assert.ok(paths.includes("trustPolicy.Statement[0]"), "a trust statement needs a Principal");
    assert.ok(paths.includes("maxSessionDurationSeconds"), paths.join());
    assert.deepEqual(await roles.listRoles(), []);

    const notJson = await rejection(roles.createRole({ name: "r", trustPolicy: "{not json" }));
    assert.deepEqual(
      notJson.errors?.map((e) => e.path),
      ["trustPolicy"],
    );

    await roles.createRole({ name: "r", trustPolicy: TRUST });
    const inline = await rejection(
      roles.putRolePolicy("r", "p", {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:Get", Resource: "*" }],
      }),
    );
    assert.equal(inline.code, ErrorCode.validation);
    assert.ok(
      inline.errors?.some((e) => e.path?.startsWith("document.Statement[0].")),
      JSON.stringify(inline.errors),
    );
    assert.deepEqual(await roles.listRolePolicies("r"), [], "nothing stored");

    const trust = await rejection(roles.updateTrustPolicy("r", { Statement: [] }));
    assert.equal(trust.code, ErrorCode.validation);
    assert.deepEqual((await roles.getRole("r")).trustPolicy, TRUST, "the old trust policy stays");
    assert.equal(
      (await rejection(roles.putRolePolicy("nobody", "p", READ_RELEASES))).code,
      ErrorCode.roleNotFound,
    );
  },
);

test("iam:PassRole is decided by the passer's policies", () => {
  const arn = "arn:aws:iam::000000000000:role/ci/ci-publisher";
  const key = (statement: object): AccessKey => ({
    accessKeyId: "AKIAEXAMPLE000000001",
    secretAccessKey: "s",
    principalArn: "arn:aws:iam::000000000000:user/deployer",
    policies: [{ Version: "2012-10-17", Statement: [statement] }],
  });
  assertCanPassRole(
    key({ Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::*:role/ci/*" }),
    arn,
  );
  assertCanPassRole(
    key({
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
    }),
    arn,
  );
  for (const statement of [
    { Effect: "Allow", Action: "iam:Get*", Resource: "*" },
    { Effect: "Allow", Action: "iam:PassRole", Resource: "arn:aws:iam::*:role/other" },
    {
      Effect: "Allow",
      Action: "iam:PassRole",
      Resource: "*",
      Condition: { StringEquals: { "iam:PassedToService": "lambda.amazonaws.com" } },
    },
  ])
    assert.throws(
      () => assertCanPassRole(key(statement), arn),
      (error: FawkesError) => error.code === ErrorCode.forbidden && error.message.includes("iam:PassRole"),
    );
  assertCanPassRole({ kind: "user", name: "admin" }, arn);
  assert.throws(() => assertCanPassRole({ kind: "agent", name: "a1" }, arn), /may not pass role/);
});
