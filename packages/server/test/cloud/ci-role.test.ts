/**
 * `fawkes up`'s `fawkes-ci` role: created once per data directory with a roles store (never again once the
 * operator deleted it), trusted by local agents and every pipeline, allowed S3 only; nothing without a store.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import test from "node:test";
import type { RoleDefinition } from "@fawkes/cloud";
import { tempDir, testDatabase } from "@fawkes/testing";
import { CI_ROLE, ensureCiRole } from "../../src/identity/ci-role.ts";
import { trustsAgent, trustsJob } from "../../src/identity/job-roles.ts";
import { NO_ROLES, type RoleDirectory } from "../../src/identity/sessions.ts";
import { openDatabase } from "../../src/store/db.ts";
import { decideForKey } from "@fawkes/cloud";

test("fawkes-ci is created once, trusts agents and pipelines, allows S3 only", async (t) => {
  const dir = await tempDir(t, "fawkes-ci-role-");
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dir, "fawkes.db"), {
    dataKey: randomBytes(32),
  });
  t.after(() => database.close());
  assert.equal(await ensureCiRole(database.db, NO_ROLES), undefined, "no roles store, no role");

  const roles = new Map<string, RoleDefinition>();
  let created = 0;
  const directory: RoleDirectory = {
    findRole: async (name) => roles.get(name),
    createRole: async (input) => {
      created++;
      roles.set(input.name, {
        arn: `arn:aws:iam::000000000000:role/${input.name}`,
        name: input.name,
        path: "/",
        roleId: "AROAFAWKESCIROLE0001",
        trustPolicy: input.trustPolicy,
        policies: [input.policy],
        maxSessionDurationSeconds: 3600,
        tags: {},
      });
    },
  };
  assert.equal(await ensureCiRole(database.db, directory), CI_ROLE);
  assert.equal(await ensureCiRole(database.db, directory), CI_ROLE);
  assert.equal(created, 1);
  const role = roles.get(CI_ROLE)!;
  const now = Date.now();
  assert.ok(trustsAgent(role, "laptop-1", now));
  assert.ok(
    trustsJob(
      role,
      { pipeline: "dummy-application", counter: 1, stage: "publish", job: "upload", agent: "a" },
      now,
    ),
  );
  const key = {
    accessKeyId: "ASIA",
    secretAccessKey: "",
    principalArn: "arn:aws:sts::000000000000:assumed-role/fawkes-ci/s",
    policies: role.policies,
  };
  assert.equal(
    decideForKey(key, { action: "s3:PutObject", resource: "arn:aws:s3:::devops-part-four/app.tgz" }).decision,
    "Allow",
  );
  assert.equal(
    decideForKey(key, { action: "iam:CreateRole", resource: "arn:aws:iam::000000000000:role/x" }).decision,
    "ImplicitDeny",
  );

  // Deleted by the operator: never made again.
  roles.delete(CI_ROLE);
  assert.equal(await ensureCiRole(database.db, directory), undefined);
  assert.equal(created, 1);
});
