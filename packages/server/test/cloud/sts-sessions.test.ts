/**
 * The server's STS sessions behind the cloud endpoint, on the server's store (SQLite, or PostgreSQL under
 * `test:e2e:postgres`), driven by Debian's awscli 2.9: AssumeRole and the session's requests, a role's policy
 * change reaching live sessions, revocation (one session, a role, all) refused from the very next request,
 * forged tokens that change nothing, and a job's session that ends with its job.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import test, { type TestContext } from "node:test";
import type { RoleDefinition } from "@fawkes/cloud";
import { tempDir, testDatabase } from "@fawkes/testing";
import { startCloud } from "../../src/cloud/runtime.ts";
import type { RoleDirectory } from "../../src/identity/sessions.ts";
import { openDatabase } from "../../src/store/db.ts";
import { listStsSessions, revokeStsSessions } from "../../src/store/sts-sessions-repo.ts";
import { awsAs, stsCredentials } from "./support.ts";

const ACCOUNT = "000000000000";
const skip = existsSync("/usr/bin/aws") ? false : "/usr/bin/aws (Debian's awscli) is not installed";

function role(name: string, policies: unknown[]): RoleDefinition {
  return {
    arn: `arn:aws:iam::${ACCOUNT}:role/${name}`,
    name,
    path: "/",
    roleId: `AROA${name.toUpperCase().padEnd(17, "X")}`,
    trustPolicy: {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: "sts:AssumeRole" }],
    },
    policies,
    maxSessionDurationSeconds: 3600,
    tags: { team: "ci" },
  };
}

const LIST_BUCKETS = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }],
};

async function setup(t: TestContext) {
  const dataDir = await tempDir(t, "fawkes-sts-server-");
  const home = await tempDir(t, "fawkes-sts-home-");
  const dataKey = randomBytes(32);
  const database = await openDatabase((await testDatabase(t)) ?? path.join(dataDir, "fawkes.db"), {
    dataKey,
  });
  t.after(() => database.close());
  const roles = [role("reader", [LIST_BUCKETS]), role("other", [LIST_BUCKETS])];
  const directory: RoleDirectory = {
    findRole: async (nameOrArn) => roles.find((r) => r.arn === nameOrArn || r.name === nameOrArn),
  };
  const cloud = await startCloud(
    { dataDir, host: "127.0.0.1", port: 0, dataKey, roles: directory },
    database.db,
  );
  t.after(() => cloud.close());
  const admin = await cloud.accessKeys.ensureAdminKey();
  assert.ok(admin);
  const as = (key: Parameters<typeof awsAs>[2]) => awsAs(cloud.url, home, key);
  const assume = async (roleName: string, session: string) => {
    const answer = await as(admin)(
      "sts",
      "assume-role",
      "--role-arn",
      `arn:aws:iam::${ACCOUNT}:role/${roleName}`,
      "--role-session-name",
      session,
    );
    assert.equal(answer.code, 0, answer.stderr);
    return stsCredentials(answer.stdout);
  };
  return { db: database.db, cloud, roles, admin, as, assume };
}

test(
  "AssumeRole on the server's store: the session works, follows its role's policies, and is sealed",
  { skip, timeout: 120_000 },
  async (t) => {
    const { db, cloud, roles, as, assume } = await setup(t);
    const key = await assume("reader", "deploy-1");
    const session = as(key);
    const who = await session("sts", "get-caller-identity");
    assert.equal(who.code, 0, who.stderr);
    const identity = JSON.parse(who.stdout) as Record<string, string>;
    assert.equal(identity.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/reader/deploy-1`);
    assert.equal(identity.UserId, `${roles[0]!.roleId}:deploy-1`);
    assert.equal((await session("s3", "ls")).code, 0);

    // Nothing secret in clear in the row; the token is kept as its hash and sealed.
    const [row] = await db.selectFrom("sts_sessions").selectAll().execute();
    assert.ok(row);
    const stored = JSON.stringify(row);
    assert.ok(!stored.includes(key.secretAccessKey) && !stored.includes(key.sessionToken!), stored);
    assert.equal(row.principal_arn, identity.Arn);

    // A policy change applies to the live session at its next request (as in AWS).
    roles[0]!.policies = [];
    const denied = await session("s3", "ls");
    assert.match(denied.stderr, /AccessDenied/);
    roles[0]!.policies = [LIST_BUCKETS];
    assert.equal((await session("s3", "ls")).code, 0);

    const listed = await cloud.sessions.list();
    assert.deepEqual(
      listed.map((s) => [s.accessKeyId, s.roleArn, s.assumedBy]),
      [[key.accessKeyId, roles[0]!.arn, `arn:aws:iam::${ACCOUNT}:user/admin`]],
    );
  },
);

test(
  "revocation: one session, a role's, all — refused from the next request; forged tokens change nothing",
  { skip, timeout: 120_000 },
  async (t) => {
    const { db, cloud, as, assume } = await setup(t);
    const first = await assume("reader", "first");
    const second = await assume("reader", "second");
    const other = await assume("other", "third");
    const before = await db.selectFrom("sts_sessions").selectAll().orderBy("access_key_id").execute();

    for (const token of ["forged", first.sessionToken!.replace(/.$/, (c) => (c === "A" ? "B" : "A"))]) {
      const answer = await as({ ...first, sessionToken: token })("sts", "get-caller-identity");
      assert.match(answer.stderr, /\(InvalidClientTokenId\)/);
      const s3 = await as({ ...first, sessionToken: token })("s3api", "list-buckets");
      assert.match(s3.stderr, /\(InvalidToken\)/);
    }
    assert.deepEqual(
      await db.selectFrom("sts_sessions").selectAll().orderBy("access_key_id").execute(),
      before,
    );

    assert.deepEqual(await cloud.sessions.revoke({ session: first.accessKeyId }), [first.accessKeyId]);
    assert.match((await as(first)("sts", "get-caller-identity")).stderr, /\(InvalidClientTokenId\)/);
    assert.match((await as(first)("s3api", "list-buckets")).stderr, /\(InvalidAccessKeyId\)/);
    assert.equal((await as(second)("sts", "get-caller-identity")).code, 0);

    assert.deepEqual(await cloud.sessions.revoke({ role: "reader" }), [second.accessKeyId]);
    assert.match((await as(second)("sts", "get-caller-identity")).stderr, /InvalidClientTokenId/);
    assert.equal((await as(other)("sts", "get-caller-identity")).code, 0);

    assert.deepEqual(await cloud.sessions.revoke({ all: true }), [other.accessKeyId]);
    assert.match((await as(other)("sts", "get-caller-identity")).stderr, /InvalidClientTokenId/);
    assert.deepEqual(await cloud.sessions.list(), []);
    assert.equal((await cloud.sessions.list({ all: true })).length, 3);
    await assert.rejects(cloud.sessions.revoke({ session: "ASIAAAAAAAAAAAAAAAAA" }), /no session/);

    // An expired session: ExpiredToken, and it is neither listed as live nor revocable.
    const late = await assume("reader", "late");
    await db
      .updateTable("sts_sessions")
      .set({ expires_at: Date.now() - 1000 })
      .where("access_key_id", "=", late.accessKeyId)
      .execute();
    assert.match((await as(late)("sts", "get-caller-identity")).stderr, /\(ExpiredToken\)/);
    assert.match((await as(late)("s3api", "list-buckets")).stderr, /\(ExpiredToken\)/);
    assert.deepEqual(await cloud.sessions.list(), []);
    assert.deepEqual(await cloud.sessions.revoke({ all: true }), []);
    await assert.rejects(cloud.sessions.revoke({ role: "ghost" }), /no role ghost/);
  },
);

test(
  "GetSessionToken acts as the user, and ends with the user's key",
  { skip, timeout: 60_000 },
  async (t) => {
    const { cloud, admin, as } = await setup(t);
    const got = await as(admin)("sts", "get-session-token", "--duration-seconds", "900");
    assert.equal(got.code, 0, got.stderr);
    const key = stsCredentials(got.stdout);
    assert.match(key.accessKeyId, /^ASIA[A-Z2-7]{16}$/);
    const who = await as(key)("sts", "get-caller-identity");
    assert.equal(
      (JSON.parse(who.stdout) as Record<string, string>).Arn,
      `arn:aws:iam::${ACCOUNT}:user/admin`,
    );
    await cloud.accessKeys.delete(admin!.accessKeyId);
    assert.match((await as(key)("sts", "get-caller-identity")).stderr, /InvalidClientTokenId/);
  },
);

test(
  "a job's session: tagged, served to the job (never in its environment), and dead once the job's step revokes it",
  { skip, timeout: 60_000 },
  async (t) => {
    const { db, cloud, roles, as } = await setup(t);
    const owner = {
      jobRunId: 42,
      leaseId: "lease-1",
      agentId: "agent-1",
      agentName: "builder",
      pipeline: "app",
      counter: 7,
      stage: "publish",
      job: "upload",
    };
    const issued = await cloud.sessions.issueForJob(db, roles[0]!, owner, 3600);
    // The job's environment names the endpoint and region, never the session's keys: those come from the job's
    // metadata endpoint (renewed), since nothing bounds how long a job runs.
    const env = await cloud.jobEnvironment({ ...owner, leaseId: "lease-1" }, []);
    const value = (name: string) => env.find((v) => v.name === name);
    assert.equal(value("AWS_ENDPOINT_URL")?.value, cloud.url);
    assert.equal(value("AWS_REGION")?.value, "us-east-1");
    for (const name of ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"])
      assert.equal(value(name), undefined, name);
    assert.ok(!JSON.stringify(env).includes(issued.secretAccessKey));
    // The job's newest live session under its lease is what its metadata endpoint serves; another lease of the
    // same job run (rescheduled) does not see it.
    assert.equal((await cloud.sessions.latestJobSession(db, 42, "lease-1"))?.accessKeyId, issued.accessKeyId);
    assert.equal(await cloud.sessions.latestJobSession(db, 42, "lease-2"), undefined);

    const key = {
      accessKeyId: issued.accessKeyId,
      secretAccessKey: issued.secretAccessKey,
      sessionToken: issued.sessionToken,
    };
    const who = await as(key)("sts", "get-caller-identity");
    assert.equal(
      (JSON.parse(who.stdout) as Record<string, string>).Arn,
      `arn:aws:sts::${ACCOUNT}:assumed-role/reader/app-7-upload`,
    );
    const [session] = await listStsSessions(db, { jobRunId: 42 });
    assert.deepEqual(session?.tags, {
      "fawkes:pipeline": "app",
      "fawkes:counter": "7",
      "fawkes:stage": "publish",
      "fawkes:job": "upload",
      "fawkes:agent": "builder",
    });

    await db.transaction().execute((trx) => revokeStsSessions(trx, { jobRunId: 42 }, Date.now()));
    assert.match((await as(key)("s3", "ls")).stderr, /InvalidAccessKeyId/);
  },
);
