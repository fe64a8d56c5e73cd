/**
 * STS on the cloud endpoint, driven by Debian's awscli 2.9: GetCallerIdentity, AssumeRole (trust policy, session
 * policies, tags, duration), GetSessionToken, AssumeRoleWithWebIdentity, and the error codes scripts match on.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import {
  AwsError,
  createStsService,
  startCloudEndpoint,
  type AccessKey,
  type WebIdentityVerifier,
} from "@fawkes/cloud";
import { ADMIN } from "./helpers.ts";
import { ACCOUNT, aws, memoryRoles, memorySessions, role } from "./sts-support.ts";

const S3_READER = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Action: ["s3:ListAllMyBuckets", "s3:ListBucket", "s3:GetObject"], Resource: "*" },
  ],
};
const TRUST_ACCOUNT = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { AWS: ACCOUNT }, Action: ["sts:AssumeRole", "sts:TagSession"] }],
};
const TRUST_ALICE = {
  Version: "2012-10-17",
  Statement: [
    { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:user/alice` }, Action: "sts:AssumeRole" },
  ],
};
const TRUST_WEB = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/fawkes` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringLike: { "fawkes:sub": "pipeline:app:stage:*:job:*" },
        StringEquals: { "fawkes:aud": "sts.amazonaws.com" },
      },
    },
  ],
};

/** Managed policies `PolicyArns` may name. */
const MANAGED: Record<string, unknown> = {
  [`arn:aws:iam::${ACCOUNT}:policy/sts-only`]: {
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "sts:*", Resource: "*" }],
  },
};

/** A user with no policy of its own: it may assume only roles whose trust policy names it. */
const ALICE: AccessKey = {
  accessKeyId: "AKIAFAWKESTESTALICE1",
  secretAccessKey: "alice/secret+0123456789abcdefghijklmnop",
  principalArn: `arn:aws:iam::${ACCOUNT}:user/alice`,
  policies: [],
};

/** Accepts `good-<sub>` tokens; anything else is forged. */
const verifier: WebIdentityVerifier = {
  async verify(token) {
    const match = /^good-(.+)$/.exec(token);
    if (!match) throw new AwsError("InvalidIdentityToken", 400, "The ID token is not valid");
    return {
      issuer: "http://127.0.0.1:8153",
      providerArn: `arn:aws:iam::${ACCOUNT}:oidc-provider/fawkes`,
      conditionPrefix: "fawkes",
      subject: match[1]!,
      audiences: ["sts.amazonaws.com"],
      expiresAt: Date.now() + 600_000,
      claims: { pipeline: "app" },
    };
  },
};

async function startSts(t: TestContext, now: () => number = Date.now) {
  const roles = [
    role("reader", TRUST_ACCOUNT, [S3_READER]),
    role("alice-only", TRUST_ALICE, [S3_READER], 7200),
    role("nobody", { Version: "2012-10-17", Statement: [] }, [S3_READER]),
    role("deployer", TRUST_WEB, [S3_READER]),
  ];
  const sessions = memorySessions([ADMIN, ALICE], now);
  const dataDir = await mkdtemp(join(tmpdir(), "fawkes-sts-"));
  const home = await mkdtemp(join(tmpdir(), "fawkes-sts-home-"));
  const endpoint = await startCloudEndpoint(
    {
      dataDir,
      host: "127.0.0.1",
      port: 0,
      now,
      services: [
        createStsService({
          roles: memoryRoles(roles),
          issuer: sessions.issuer,
          webIdentity: verifier,
          policies: { findPolicy: async (arn) => MANAGED[arn] },
          now,
        }),
      ],
    },
    sessions.store,
  );
  t.after(async () => {
    await endpoint.close();
    await rm(dataDir, { recursive: true, force: true });
    await rm(home, { recursive: true, force: true });
  });
  const as = (credentials: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }) =>
    aws(endpoint.url, home, credentials);
  /** awscli acting with the `Credentials` of an STS answer. */
  const session = (c: Record<string, string>) =>
    as({ accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken! });
  return { url: endpoint.url, sessions, as, session, admin: as(ADMIN), alice: as(ALICE) };
}

type Aws = ReturnType<typeof aws>;
const json = (stdout: string) => JSON.parse(stdout) as Record<string, Record<string, string>>;
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

/** `aws sts assume-role` of role `name` as `caller`, with the session name `session` and more flags. */
const assumeRole = (caller: Aws, name: string, session: string, ...flags: string[]) =>
  caller("sts", "assume-role", "--role-arn", roleArn(name), "--role-session-name", session, ...flags);

/** `aws sts assume-role-with-web-identity` of role `name` with `token`, session `job-1`. */
const withWebIdentity = (caller: Aws, name: string, token: string) =>
  caller(
    "sts",
    "assume-role-with-web-identity",
    "--role-arn",
    roleArn(name),
    "--role-session-name",
    "job-1",
    "--web-identity-token",
    token,
  );

test("aws sts get-caller-identity names the user, then the assumed role's session", async (t) => {
  const sts = await startSts(t);
  const me = await sts.admin("sts", "get-caller-identity");
  assert.equal(me.code, 0, me.stderr);
  assert.deepEqual(JSON.parse(me.stdout), {
    UserId: ADMIN.accessKeyId,
    Account: ACCOUNT,
    Arn: `arn:aws:iam::${ACCOUNT}:user/admin`,
  });

  const assumed = await assumeRole(sts.admin, "reader", "deploy-7", "--tags", "Key=pipeline,Value=app");
  assert.equal(assumed.code, 0, assumed.stderr);
  const answer = json(assumed.stdout);
  const credentials = answer.Credentials!;
  assert.match(credentials.AccessKeyId!, /^ASIA/);
  assert.match(credentials.Expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00$/);
  assert.equal(answer.AssumedRoleUser!.Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/reader/deploy-7`);
  assert.match(answer.AssumedRoleUser!.AssumedRoleId!, /^AROA[0-9A-F]+:deploy-7$/);
  const request = sts.sessions.issued.at(-1)!;
  assert.equal(request.kind, "role");
  assert.deepEqual(request.kind === "role" && request.tags, { pipeline: "app" });
  assert.equal(request.kind === "role" && request.durationSeconds, 3600);

  const session = sts.session(credentials);
  const who = await session("sts", "get-caller-identity");
  assert.equal(who.code, 0, who.stderr);
  assert.equal(
    json(who.stdout).Arn as unknown as string,
    `arn:aws:sts::${ACCOUNT}:assumed-role/reader/deploy-7`,
  );
  const listed = await session("s3", "ls");
  assert.equal(listed.code, 0, listed.stderr);
  // The role allows reading, not writing.
  const made = await session("s3", "mb", "s3://not-allowed");
  assert.notEqual(made.code, 0);
  assert.match(made.stderr, /AccessDenied/);
});

test("AssumeRole the trust policy does not allow is AccessDenied, and issues nothing", async (t) => {
  const sts = await startSts(t);
  // Trusts no one, even an administrator.
  const nobody = await assumeRole(sts.admin, "nobody", "s1");
  assert.equal(nobody.code, 254);
  assert.match(nobody.stderr, /\(AccessDenied\).*not authorized to perform: sts:AssumeRole/);
  // Trusts the account: alice's own policies must also allow sts:AssumeRole, and she has none.
  const account = await assumeRole(sts.alice, "reader", "s1");
  assert.match(account.stderr, /AccessDenied/);
  // Trusts another user: the administrator's Allow * is not enough.
  const other = await assumeRole(sts.admin, "alice-only", "s1");
  assert.match(other.stderr, /AccessDenied/);
  // No such role.
  const missing = await assumeRole(sts.admin, "ghost", "s1");
  assert.match(missing.stderr, /AccessDenied/);
  assert.equal(sts.sessions.issued.length, 0);

  // Session tags need sts:TagSession in the trust policy too.
  const tagged = await assumeRole(sts.alice, "alice-only", "s1", "--tags", "Key=team,Value=ci");
  assert.match(tagged.stderr, /\(AccessDenied\).*sts:TagSession/);
  assert.equal(sts.sessions.issued.length, 0);

  // Named directly, alice needs no policy of her own; up to the role's maximum duration.
  const named = await assumeRole(sts.alice, "alice-only", "s1", "--duration-seconds", "7200");
  assert.equal(named.code, 0, named.stderr);
});

test("bad input: session name, duration, malformed session policy → AWS's codes, nothing issued", async (t) => {
  const sts = await startSts(t);
  const tooLong = await assumeRole(sts.admin, "reader", "s1", "--duration-seconds", "7200");
  assert.match(tooLong.stderr, /\(ValidationError\).*MaxSessionDuration/);
  const badName = await assumeRole(sts.admin, "reader", "a b!");
  assert.match(badName.stderr, /\(ValidationError\).*roleSessionName/);
  const badPolicy = await assumeRole(
    sts.admin,
    "reader",
    "s1",
    "--policy",
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Maybe", Action: "s3:*", Resource: "*" }],
    }),
  );
  assert.match(badPolicy.stderr, /\(MalformedPolicyDocument\).*Statement\[0\]\.Effect/);
  assert.equal(sts.sessions.issued.length, 0);
});

test("a session policy narrows what the role allows", async (t) => {
  const sts = await startSts(t);
  const assumed = await assumeRole(
    sts.admin,
    "reader",
    "narrow",
    "--policy",
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "sts:*", Resource: "*" }],
    }),
  );
  assert.equal(assumed.code, 0, assumed.stderr);
  const session = sts.session(json(assumed.stdout).Credentials!);
  const listed = await session("s3", "ls");
  assert.match(listed.stderr, /AccessDenied/);
});

test("PolicyArns: a managed session policy narrows; an unknown one is a ValidationError", async (t) => {
  const sts = await startSts(t);
  const policy = (name: string) => `arn=arn:aws:iam::${ACCOUNT}:policy/${name}`;
  const unknown = await assumeRole(sts.admin, "reader", "s1", "--policy-arns", policy("ghost"));
  assert.match(unknown.stderr, /\(ValidationError\).*policy\/ghost/);
  assert.equal(sts.sessions.issued.length, 0);
  const assumed = await assumeRole(sts.admin, "reader", "s1", "--policy-arns", policy("sts-only"));
  assert.equal(assumed.code, 0, assumed.stderr);
  const session = sts.session(json(assumed.stdout).Credentials!);
  assert.equal((await session("sts", "get-caller-identity")).code, 0);
  assert.match((await session("s3", "ls")).stderr, /AccessDenied/);
});

test("forged, altered, missing and expired session tokens → AWS's error codes", async (t) => {
  const sts = await startSts(t);
  const assumed = await assumeRole(sts.admin, "reader", "tokens");
  assert.equal(assumed.code, 0, assumed.stderr);
  const c = json(assumed.stdout).Credentials!;
  const base = { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey! };
  const token = c.SessionToken!;
  // One character changed for certain (replacing it by a letter it may already be would change nothing).
  const at = token.length - 2;
  const altered = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
  for (const sessionToken of [altered, "forged", undefined]) {
    const who = await sts.as({ ...base, ...(sessionToken ? { sessionToken } : {}) })(
      "sts",
      "get-caller-identity",
    );
    assert.match(who.stderr, /\(InvalidClientTokenId\)/, String(sessionToken));
    const s3 = await sts.as({ ...base, ...(sessionToken ? { sessionToken } : {}) })("s3api", "list-buckets");
    assert.match(s3.stderr, /\(InvalidToken\)/, String(sessionToken));
  }
  const unknown = await sts.as({ ...base, accessKeyId: "ASIAUNKNOWNKEY000000", sessionToken: token })(
    "sts",
    "get-caller-identity",
  );
  assert.match(unknown.stderr, /\(InvalidClientTokenId\)/);
  // The session's expiry passes (the store's record says so; the endpoint compares with its clock).
  sts.sessions.sessions.get(base.accessKeyId)!.expiresAt = Date.now() - 1000;
  const late = await sts.as({ ...base, sessionToken: token })("sts", "get-caller-identity");
  assert.match(late.stderr, /\(ExpiredToken\)/);
  assert.equal(sts.sessions.issued.length, 1);
});

test("GetSessionToken: temporary credentials that act as the user; not from a session", async (t) => {
  const sts = await startSts(t);
  const got = await sts.admin("sts", "get-session-token", "--duration-seconds", "900");
  assert.equal(got.code, 0, got.stderr);
  const c = json(got.stdout).Credentials!;
  assert.match(c.AccessKeyId!, /^ASIA/);
  const session = sts.session(c);
  const who = await session("sts", "get-caller-identity");
  assert.equal(JSON.parse(who.stdout).Arn, `arn:aws:iam::${ACCOUNT}:user/admin`);
  const again = await session("sts", "get-session-token");
  assert.match(again.stderr, /\(AccessDenied\)/);
  const tooLong = await sts.admin("sts", "get-session-token", "--duration-seconds", "200000");
  assert.match(tooLong.stderr, /ValidationError/);
});

test("AssumeRoleWithWebIdentity (unsigned): trust conditions on sub and aud; forged token refused", async (t) => {
  const sts = await startSts(t);
  const ok = await withWebIdentity(sts.admin, "deployer", "good-pipeline:app:stage:build:job:compile");
  assert.equal(ok.code, 0, ok.stderr);
  const answer = JSON.parse(ok.stdout) as Record<string, unknown>;
  assert.equal(answer.SubjectFromWebIdentityToken, "pipeline:app:stage:build:job:compile");
  assert.equal(
    (answer.AssumedRoleUser as Record<string, string>).Arn,
    `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/job-1`,
  );
  const who = await sts.session(answer.Credentials as Record<string, string>)("sts", "get-caller-identity");
  assert.equal(JSON.parse(who.stdout).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/deployer/job-1`);

  const otherPipeline = await withWebIdentity(
    sts.admin,
    "deployer",
    "good-pipeline:other:stage:build:job:compile",
  );
  assert.match(otherPipeline.stderr, /\(AccessDenied\)/);
  const forged = await withWebIdentity(sts.admin, "deployer", "forged");
  assert.match(forged.stderr, /\(InvalidIdentityToken\)/);
  // A role that trusts an AWS account, not the provider.
  const wrongRole = await withWebIdentity(sts.admin, "reader", "good-pipeline:app:stage:build:job:compile");
  assert.match(wrongRole.stderr, /\(AccessDenied\)/);
  assert.equal(sts.sessions.issued.length, 1);
});
