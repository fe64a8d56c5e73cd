/**
 * The OIDC issuer's signing keys and the verifier the local STS uses, on the suite's store (SQLite, or
 * PostgreSQL under `test:e2e:postgres`) with a hand-moved clock: private keys sealed at rest, rotation on
 * schedule and on demand, the previous key kept in the JWKS until every token it signed has expired, and
 * forged, altered, expired or foreign tokens refused with AWS's error codes.
 */
import assert from "node:assert/strict";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import path from "node:path";
import test from "node:test";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from "jose";
import { AwsError } from "@fawkes/cloud";
import { onCleanup, tempDir, testDatabase, type CleanupScope } from "@fawkes/testing";
import { openSecret } from "../../src/cloud/secret-box.ts";
import {
  fawkesWebIdentityVerifier,
  fawkesWebIdentityVerifierOf,
  JobIdTokens,
  OidcIssuer,
  SigningKeys,
  FAWKES_PROVIDER_ARN,
} from "../../src/identity/oidc/index.ts";
import { openDatabase } from "../../src/store/db.ts";

const MINUTE = 60_000;
const DAY = 86_400_000;
const ISSUER = "https://fawkes.example.test";

async function setup(t: CleanupScope) {
  const dataDir = await tempDir(t, "fawkes-oidc-");
  const dataKey = randomBytes(32);
  const target = (await testDatabase(t)) ?? path.join(dataDir, "fawkes.db");
  const database = await openDatabase(target, { dataKey });
  onCleanup(t, () => database.close());
  const clock = { now: Date.UTC(2026, 11, 7, 12, 0, 0) };
  const now = (): number => clock.now;
  const make = (issuerUrl = ISSUER) => {
    const keys = new SigningKeys(database.db, dataKey, { rotationDays: 7, now });
    const issuer = new OidcIssuer(keys, () => issuerUrl, { tokenLifetimeSeconds: 600, now });
    return { keys, issuer, verifier: fawkesWebIdentityVerifier(issuer, now) };
  };
  return { db: database.db, dataKey, clock, make };
}

const claims = { sub: "pipeline:app:stage:deploy:job:ship", pipeline: "app" };
const kidOf = (token: string): string => decodeProtectedHeader(token).kid ?? "";

async function awsCodeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof AwsError, `an AwsError, not ${String(error)}`);
    assert.equal(error.status, 400);
    return error.code;
  }
  assert.fail("the token was accepted");
}

test("signing keys are sealed at rest, survive a restart, and rotate on schedule and on demand", async (t) => {
  const { db, dataKey, clock, make } = await setup(t);
  const { keys, issuer } = make();
  const first = await issuer.sign(claims, ["sts.amazonaws.com"]);
  const k1 = kidOf(first.token);
  assert.match(k1, /^fawkes-[0-9a-f]{16}$/);
  assert.equal(first.expiresAt, clock.now + 10 * MINUTE);

  // Sealed: no PEM in the row; the data key opens it, bound to the kid.
  const rows = await db.selectFrom("oidc_keys").selectAll().execute();
  assert.equal(rows.length, 1);
  // Looking for the key's own base64 body, not a fixed prefix such as "MII",
  // which random ciphertext contains about once in a hundred runs.
  const sealed = rows[0]!.private_key_sealed;
  const pem = openSecret(dataKey, sealed, `oidc_keys:${k1}`);
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----/);
  assert.doesNotMatch(sealed, /PRIVATE KEY/);
  for (const line of pem.split("\n").slice(1, -2)) assert.ok(!sealed.includes(line), "a line of the PEM is in the row");
  assert.throws(() => openSecret(dataKey, rows[0]!.private_key_sealed, "oidc_keys:another"));

  // A restarted server (new objects, same store) signs with the same key.
  clock.now += DAY;
  assert.equal(kidOf((await make().issuer.sign(claims, ["a"])).token), k1);

  // Manual rotation: the new key signs at once; the old one stays listed for the longest token lifetime.
  const rotated = await keys.rotate();
  const second = await issuer.sign(claims, ["a"]);
  assert.equal(kidOf(second.token), rotated.kid);
  assert.notEqual(rotated.kid, k1);
  assert.deepEqual(
    (await keys.jwks()).keys.map((key) => key.kid),
    [k1, rotated.kid],
  );
  const jwks = await keys.jwks();
  for (const key of jwks.keys) {
    assert.equal(key.alg, "RS256");
    assert.equal(key.use, "sig");
    assert.equal(key.kty, "RSA");
    assert.equal("d" in key, false, "no private part in the JWKS");
  }
  clock.now += 59 * MINUTE;
  assert.deepEqual(
    (await keys.jwks()).keys.map((key) => key.kid),
    [k1, rotated.kid],
  );
  clock.now += 1 * MINUTE;
  assert.deepEqual(
    (await keys.jwks()).keys.map((key) => key.kid),
    [rotated.kid],
  );

  // On schedule: in the key's last hour, a signing pre-publishes its successor in the JWKS; the key still signs.
  clock.now = rotated.createdAt + 7 * DAY - 30 * MINUTE;
  assert.equal(kidOf((await issuer.sign(claims, ["a"])).token), rotated.kid);
  const prepublished = (await keys.jwks()).keys.map((key) => key.kid);
  assert.equal(prepublished.length, 2);
  assert.equal(prepublished[0], rotated.kid);
  const k3 = prepublished[1]!;
  // A token (of the longest lifetime) signed by the key just before its seven days are up…
  clock.now = rotated.createdAt + 7 * DAY - 1;
  const longLived = new OidcIssuer(keys, () => ISSUER, { tokenLifetimeSeconds: 3600, now: () => clock.now });
  const late = await longLived.sign(claims, ["a"]);
  assert.equal(kidOf(late.token), rotated.kid);
  // …then the successor signs, and the old key is listed an hour more.
  clock.now += 1;
  const third = await issuer.sign(claims, ["a"]);
  assert.equal(kidOf(third.token), k3);
  assert.deepEqual(
    (await keys.list()).map((key) => [key.kid, key.createdAt, key.signsUntil, key.retireAfter]),
    [
      [
        rotated.kid,
        rotated.createdAt,
        rotated.createdAt + 7 * DAY,
        rotated.createdAt + 7 * DAY + 60 * MINUTE,
      ],
      [k3, clock.now, clock.now + 7 * DAY, clock.now + 7 * DAY + 60 * MINUTE],
    ],
  );
  // The late token verifies against the JWKS until it expires, which is when its key leaves the JWKS.
  clock.now += 59 * MINUTE;
  await jwtVerify(late.token, createLocalJWKSet(await keys.jwks()), {
    issuer: ISSUER,
    currentDate: new Date(clock.now),
  });
  clock.now = rotated.createdAt + 7 * DAY + 60 * MINUTE;
  assert.deepEqual(
    (await keys.jwks()).keys.map((key) => key.kid),
    [k3],
  );
  // Retired keys are deleted when the next key is made.
  clock.now += 2 * MINUTE;
  await keys.rotate();
  assert.equal(
    (await db.selectFrom("oidc_keys").select("kid").execute()).some((r) => r.kid === k1),
    false,
  );
  // A server idle past every key's signing period makes a new key at the next signing; the JWKS holds only it.
  clock.now += 30 * DAY;
  const fresh = await issuer.sign(claims, ["a"]);
  assert.deepEqual(
    (await keys.jwks()).keys.map((key) => key.kid),
    [kidOf(fresh.token)],
  );
});

test("two first tokens at once make one key", async (t) => {
  const { make, db } = await setup(t);
  const { issuer } = make();
  const tokens = await Promise.all([issuer.sign(claims, ["a"]), issuer.sign(claims, ["b"])]);
  assert.equal(kidOf(tokens[0].token), kidOf(tokens[1].token));
  assert.equal((await db.selectFrom("oidc_keys").select("kid").execute()).length, 1);
});

test("the verifier accepts Fawkes's tokens and refuses forged, altered, expired and foreign ones", async (t) => {
  const { clock, make } = await setup(t);
  const { issuer, verifier } = make();
  const { token } = await issuer.sign({ ...claims, materials: [{ name: "code", revision: "abc" }] }, [
    "sts.amazonaws.com",
    "vault",
  ]);

  const identity = await verifier.verify(token);
  assert.equal(identity.issuer, ISSUER);
  assert.equal(identity.providerArn, FAWKES_PROVIDER_ARN);
  assert.equal(identity.conditionPrefix, "fawkes");
  assert.equal(identity.subject, claims.sub);
  assert.deepEqual(identity.audiences, ["sts.amazonaws.com", "vault"]);
  assert.equal(identity.expiresAt, clock.now + 10 * MINUTE);
  assert.deepEqual(identity.claims.materials, [{ name: "code", revision: "abc" }]);

  // Forged: same header (kid) and claims, signed with another key.
  const [header, payload, signature] = token.split(".") as [string, string, string];
  const { privateKey: other } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const forged = await new SignJWT(
    JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as JWTPayload,
  )
    .setProtectedHeader({ alg: "RS256", kid: kidOf(token) })
    .sign(other);
  assert.equal(await awsCodeOf(verifier.verify(forged)), "InvalidIdentityToken");

  // Altered: another subject under the original signature.
  const altered = JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as Record<string, unknown>;
  altered.sub = "pipeline:prod:stage:deploy:job:ship";
  const tampered = `${header}.${Buffer.from(JSON.stringify(altered)).toString("base64url")}.${signature}`;
  assert.equal(await awsCodeOf(verifier.verify(tampered)), "InvalidIdentityToken");

  // Not a JWT at all, and "none" algorithm.
  assert.equal(await awsCodeOf(verifier.verify("not-a-jwt")), "InvalidIdentityToken");
  const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${payload}.`;
  assert.equal(await awsCodeOf(verifier.verify(unsigned)), "InvalidIdentityToken");

  // Another issuer with the same keys (a server reached at another URL).
  const foreign = make("https://elsewhere.example.test").verifier;
  assert.equal(await awsCodeOf(foreign.verify(token)), "InvalidIdentityToken");

  // Within the clock tolerance it still verifies; past it, expired.
  clock.now += 10 * MINUTE + 20_000;
  await verifier.verify(token);
  clock.now += 20_000;
  assert.equal(await awsCodeOf(verifier.verify(token)), "ExpiredTokenException");
});

test("a token without an audience is refused", async (t) => {
  const { clock, make } = await setup(t);
  const { keys, verifier } = make();
  const { kid, privateKey } = await keys.signingKey();
  const noAudience = await new SignJWT({ sub: claims.sub })
    .setProtectedHeader({ alg: "RS256", kid })
    .setIssuer(ISSUER)
    .setIssuedAt(Math.floor(clock.now / 1000))
    .setExpirationTime(Math.floor(clock.now / 1000) + 600)
    .sign(privateKey);
  assert.equal(await awsCodeOf(verifier.verify(noAudience)), "InvalidIdentityToken");
});

test("the verifier for STS finds the issuer when a token comes, and refuses every token without one", async (t) => {
  const { clock, make, db, dataKey } = await setup(t);
  const { issuer } = make();
  const { token } = await issuer.sign(claims, ["sts.amazonaws.com"]);
  const started: { tokens?: JobIdTokens } = {};
  const verifier = fawkesWebIdentityVerifierOf(() => started.tokens);
  assert.equal(await awsCodeOf(verifier.verify(token)), "InvalidIdentityToken");
  started.tokens = new JobIdTokens({
    db,
    dataKey,
    artifacts: undefined as never,
    issuer: () => ISSUER,
    rotationDays: 7,
    tokenLifetimeSeconds: 600,
    now: () => clock.now,
  });
  assert.equal((await verifier.verify(token)).subject, claims.sub);
});
