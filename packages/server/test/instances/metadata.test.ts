/** An instance's role session: issued once, shared, renewed before clients would see it run short. */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { IssuedCredentials, RoleDefinition } from "@fawkes/cloud";
import { INSTANCE_SESSION_SECONDS, RENEW_BEFORE_MS, roleCredentials } from "../../src/instances/metadata.ts";

const role: RoleDefinition = {
  arn: "arn:aws:iam::000000000000:role/app",
  name: "app",
  path: "/",
  roleId: "AROAEXAMPLEEXAMPLE01",
  trustPolicy: {},
  policies: [],
  maxSessionDurationSeconds: 43_200,
  tags: {},
};

test("the session is issued on first use, reused, and renewed when under 30 minutes remain", async () => {
  let now = 1_000_000;
  const issued: number[] = [];
  const issue = async (_role: RoleDefinition, seconds: number): Promise<IssuedCredentials> => {
    issued.push(seconds);
    return {
      accessKeyId: `ASIA${issued.length}`,
      secretAccessKey: "secret",
      sessionToken: "token",
      expiresAt: now + seconds * 1000,
    };
  };
  const credentials = roleCredentials(role, issue, () => now);
  assert.deepEqual(issued, []);
  const [a, b] = await Promise.all([credentials(), credentials()]);
  assert.equal(a.accessKeyId, "ASIA1");
  assert.equal(b.accessKeyId, "ASIA1");
  assert.deepEqual(issued, [INSTANCE_SESSION_SECONDS]);
  assert.equal(a.roleName, "app");
  now += INSTANCE_SESSION_SECONDS * 1000 - RENEW_BEFORE_MS - 1;
  assert.equal((await credentials()).accessKeyId, "ASIA1", "over 30 minutes left: the same session");
  now += 2;
  const renewed = await credentials();
  assert.equal(renewed.accessKeyId, "ASIA2");
  assert.ok(renewed.expiration - now > 20 * 60_000, "clients always get over 20 minutes (botocore)");

  // A role whose sessions may last only an hour still gets an hour, renewed at half-time at the latest.
  const short = roleCredentials({ ...role, maxSessionDurationSeconds: 3_600 }, issue, () => now);
  assert.equal((await short()).expiration - now, 3_600_000);
});
