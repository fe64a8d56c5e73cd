import assert from "node:assert/strict";
import { test } from "node:test";
import {
  createMetadataHandler,
  metadataTime,
  withMetadataEndpoint,
  withoutMetadata,
  type MetadataHandler,
  type MetadataResponse,
  type MetadataSource,
  type RoleCredentials,
} from "@fawkes/protocol";

const T0 = Date.UTC(2026, 11, 7, 15, 0, 0, 123);

const roleCredentials: RoleCredentials = {
  roleArn: "arn:aws:iam::000000000000:role/ci/fawkes-ci",
  roleName: "fawkes-ci",
  accessKeyId: "ASIAEXAMPLE000000001",
  secretAccessKey: "secret-1",
  sessionToken: "session-token-1",
  expiration: T0 + 3_600_000 + 456,
};

function source(overrides: Partial<MetadataSource> = {}): MetadataSource {
  return {
    instanceId: "i-0123456789abcdef0",
    localIpv4: "127.0.0.1",
    publicIpv4: "127.0.0.1",
    availabilityZone: "us-east-1a",
    region: "us-east-1",
    accountId: "000000000000",
    instanceType: "fawkes.job",
    imageId: "ami-0123456789abcdef0",
    architecture: "x86_64",
    pendingTime: T0 - 5_000,
    userData: null,
    credentials: () => Promise.resolve(roleCredentials),
    ...overrides,
  };
}

async function token(handler: MetadataHandler, now = T0, ttl = "21600"): Promise<string> {
  const response = await handler.handle(
    { method: "PUT", path: "/latest/api/token", headers: { "x-aws-ec2-metadata-token-ttl-seconds": ttl } },
    now,
  );
  assert.equal(response.status, 200);
  return response.body;
}

async function get(handler: MetadataHandler, path: string, tok: string, now = T0): Promise<MetadataResponse> {
  return handler.handle({ method: "GET", path, headers: { "x-aws-ec2-metadata-token": tok } }, now);
}

test("PUT /latest/api/token returns a token and echoes the TTL", async () => {
  const handler = createMetadataHandler(source());
  const response = await handler.handle(
    { method: "PUT", path: "/latest/api/token", headers: { "x-aws-ec2-metadata-token-ttl-seconds": "300" } },
    T0,
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers["x-aws-ec2-metadata-token-ttl-seconds"], "300");
  assert.equal(response.headers["content-type"], "text/plain");
  assert.match(response.body, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(await token(handler), response.body, "every token is new");
});

test("a token request without a valid TTL is 400, through a proxy 403, by GET 405", async () => {
  const handler = createMetadataHandler(source());
  const put = (headers: Record<string, string>) =>
    handler.handle({ method: "PUT", path: "/latest/api/token", headers }, T0);
  assert.equal((await put({})).status, 400);
  for (const ttl of ["0", "21601", "-1", "abc", "1.5", "", "999999"])
    assert.equal((await put({ "x-aws-ec2-metadata-token-ttl-seconds": ttl })).status, 400, ttl);
  assert.equal((await put({ "x-aws-ec2-metadata-token-ttl-seconds": "1" })).status, 200);
  assert.equal((await put({ "x-aws-ec2-metadata-token-ttl-seconds": "21600" })).status, 200);
  const proxied = await put({ "x-aws-ec2-metadata-token-ttl-seconds": "60", "x-forwarded-for": "10.0.0.1" });
  assert.equal(proxied.status, 403);
  assert.doesNotMatch(proxied.body, /^[A-Za-z0-9_-]{43}$/);
  const byGet = await handler.handle({ method: "GET", path: "/latest/api/token", headers: {} }, T0);
  assert.equal(byGet.status, 405);
});

test("every GET needs a valid, unexpired token: 401 otherwise (no IMDSv1 fallback)", async () => {
  const handler = createMetadataHandler(source());
  const noToken = await handler.handle(
    { method: "GET", path: "/latest/meta-data/instance-id", headers: {} },
    T0,
  );
  assert.equal(noToken.status, 401);
  assert.doesNotMatch(noToken.body, /i-0123/);
  assert.equal((await get(handler, "/latest/meta-data/instance-id", "forged")).status, 401);
  const tok = await token(handler, T0, "60");
  const fresh = await get(handler, "/latest/meta-data/instance-id", tok, T0 + 59_000);
  assert.equal(fresh.status, 200);
  assert.equal(fresh.body, "i-0123456789abcdef0");
  assert.equal(fresh.headers["x-aws-ec2-metadata-token-ttl-seconds"], "1");
  assert.equal((await get(handler, "/latest/meta-data/instance-id", tok, T0 + 60_000)).status, 401);
  assert.equal(
    (await get(handler, "/latest/meta-data/iam/security-credentials/", tok, T0 + 61_000)).status,
    401,
  );
  // Another endpoint's token is worth nothing here.
  const other = createMetadataHandler(source());
  assert.equal((await get(other, "/latest/meta-data/instance-id", await token(handler))).status, 401);
});

test("the credentials document is EC2's: text/plain, whole-second Z times", async () => {
  const handler = createMetadataHandler(source());
  const tok = await token(handler);
  const list = await get(handler, "/latest/meta-data/iam/security-credentials/", tok);
  assert.equal(list.status, 200);
  assert.equal(list.body, "fawkes-ci");
  const response = await get(
    handler,
    "/latest/meta-data/iam/security-credentials/fawkes-ci",
    tok,
    T0 + 2_500,
  );
  assert.equal(response.status, 200);
  assert.equal(response.headers["content-type"], "text/plain");
  const document = JSON.parse(response.body) as Record<string, string>;
  assert.deepEqual(Object.keys(document), [
    "Code",
    "LastUpdated",
    "Type",
    "AccessKeyId",
    "SecretAccessKey",
    "Token",
    "Expiration",
  ]);
  assert.equal(document.Code, "Success");
  assert.equal(document.Type, "AWS-HMAC");
  assert.equal(document.AccessKeyId, "ASIAEXAMPLE000000001");
  assert.equal(document.SecretAccessKey, "secret-1");
  assert.equal(document.Token, "session-token-1");
  assert.equal(document.Expiration, "2026-12-07T16:00:00Z");
  assert.equal(document.LastUpdated, "2026-12-07T15:00:02Z");
  assert.match(document.Expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  // A trailing slash on the role, as a client may send it, and a wrong role name.
  assert.equal(
    (await get(handler, "/latest/meta-data/iam/security-credentials/fawkes-ci/", tok)).status,
    200,
  );
  assert.equal((await get(handler, "/latest/meta-data/iam/security-credentials/other", tok)).status, 404);
  const info = JSON.parse((await get(handler, "/latest/meta-data/iam/info", tok)).body) as Record<
    string,
    string
  >;
  assert.equal(info.Code, "Success");
  assert.equal(info.InstanceProfileArn, "arn:aws:iam::000000000000:instance-profile/fawkes-ci");
  assert.match(info.InstanceProfileId!, /^AIPA[A-Z2-7]{17}$/);
});

test("LastUpdated moves when the credentials change", async () => {
  let current = roleCredentials;
  const handler = createMetadataHandler(source({ credentials: () => Promise.resolve(current) }));
  const tok = await token(handler);
  const path = "/latest/meta-data/iam/security-credentials/fawkes-ci";
  const lastUpdated = async (now: number) =>
    (JSON.parse((await get(handler, path, tok, now)).body) as { LastUpdated: string }).LastUpdated;
  assert.equal(await lastUpdated(T0), "2026-12-07T15:00:00Z");
  assert.equal(await lastUpdated(T0 + 60_000), "2026-12-07T15:00:00Z");
  current = { ...roleCredentials, accessKeyId: "ASIAEXAMPLE000000002" };
  assert.equal(await lastUpdated(T0 + 120_000), "2026-12-07T15:02:00Z");
});

test("without a role the credentials paths are 404 and the listing has no iam/", async () => {
  const handler = createMetadataHandler(source({ credentials: () => Promise.resolve(null) }));
  const tok = await token(handler);
  for (const path of [
    "/latest/meta-data/iam/security-credentials/",
    "/latest/meta-data/iam/security-credentials/fawkes-ci",
    "/latest/meta-data/iam/info",
    "/latest/meta-data/iam/",
  ])
    assert.equal((await get(handler, path, tok)).status, 404, path);
  assert.doesNotMatch((await get(handler, "/latest/meta-data/", tok)).body, /iam/);
});

test("credentials that cannot be had are a 500, and the listing still answers", async () => {
  const handler = createMetadataHandler(
    source({ credentials: () => Promise.reject(new Error("server down")) }),
  );
  const tok = await token(handler);
  const response = await get(handler, "/latest/meta-data/iam/security-credentials/", tok);
  assert.equal(response.status, 500);
  assert.doesNotMatch(response.body, /server down/);
  assert.equal((await get(handler, "/latest/meta-data/", tok)).status, 200);
});

test("instance facts, listings, user data and the identity document", async () => {
  const handler = createMetadataHandler(source({ userData: "#!/bin/sh\necho hi\n" }));
  const tok = await token(handler);
  const body = async (path: string) => {
    const response = await get(handler, path, tok);
    assert.equal(response.status, 200, path);
    return response.body;
  };
  assert.equal(await body("/latest/meta-data/local-ipv4"), "127.0.0.1");
  assert.equal(await body("/latest/meta-data/public-ipv4"), "127.0.0.1");
  assert.equal(await body("/latest/meta-data/placement/availability-zone"), "us-east-1a");
  assert.equal(await body("/latest/meta-data/placement/availability-zone/"), "us-east-1a");
  assert.equal(await body("/latest/meta-data/placement/region"), "us-east-1");
  assert.equal(await body("/latest/user-data"), "#!/bin/sh\necho hi\n");
  assert.deepEqual((await body("/latest/meta-data/")).split("\n"), [
    "ami-id",
    "iam/",
    "instance-id",
    "instance-type",
    "local-ipv4",
    "placement/",
    "public-ipv4",
  ]);
  assert.equal(await body("/latest/"), "dynamic\nmeta-data\nuser-data");
  const identity = JSON.parse(await body("/latest/dynamic/instance-identity/document")) as Record<
    string,
    unknown
  >;
  assert.deepEqual(
    {
      accountId: identity.accountId,
      region: identity.region,
      availabilityZone: identity.availabilityZone,
      instanceId: identity.instanceId,
      privateIp: identity.privateIp,
      instanceType: identity.instanceType,
      imageId: identity.imageId,
      pendingTime: identity.pendingTime,
      architecture: identity.architecture,
      version: identity.version,
    },
    {
      accountId: "000000000000",
      region: "us-east-1",
      availabilityZone: "us-east-1a",
      instanceId: "i-0123456789abcdef0",
      privateIp: "127.0.0.1",
      instanceType: "fawkes.job",
      imageId: "ami-0123456789abcdef0",
      pendingTime: "2026-12-07T14:59:55Z",
      architecture: "x86_64",
      version: "2017-09-30",
    },
  );
  assert.equal((await get(handler, "/latest/meta-data/nothing-here", tok)).status, 404);
  assert.equal((await get(handler, "/latest/meta-data/../../etc/passwd", tok)).status, 404);
});

test("no user data and no public address are 404", async () => {
  const handler = createMetadataHandler(source({ userData: null, publicIpv4: null }));
  const tok = await token(handler);
  assert.equal((await get(handler, "/latest/user-data", tok)).status, 404);
  assert.equal((await get(handler, "/latest/meta-data/public-ipv4", tok)).status, 404);
  assert.equal((await get(handler, "/latest/", tok)).body, "dynamic\nmeta-data");
});

test("a Host that is not the endpoint's own is refused (DNS rebinding)", async () => {
  const handler = createMetadataHandler(source(), { allowedHosts: ["127.0.0.1:4599"] });
  const put = (host: string) =>
    handler.handle(
      {
        method: "PUT",
        path: "/latest/api/token",
        headers: { host, "x-aws-ec2-metadata-token-ttl-seconds": "60" },
      },
      T0,
    );
  assert.equal((await put("evil.example:4599")).status, 403);
  assert.equal((await put("127.0.0.1:4599")).status, 200);
});

test("tokens beyond the limit forget the oldest; expired ones are dropped", async () => {
  const handler = createMetadataHandler(source(), { maxTokens: 3 });
  const first = await token(handler);
  const second = await token(handler);
  await token(handler);
  await token(handler);
  assert.equal((await get(handler, "/latest/meta-data/instance-id", first)).status, 401);
  assert.equal((await get(handler, "/latest/meta-data/instance-id", second)).status, 200);
});

test("metadataTime has whole seconds and Z", () => {
  assert.equal(metadataTime(Date.UTC(2026, 0, 2, 3, 4, 5, 999)), "2026-01-02T03:04:05Z");
  assert.equal(metadataTime(Date.UTC(2026, 0, 2, 3, 4, 5, 0)), "2026-01-02T03:04:05Z");
});

test("environment builders: endpoint with its trailing slash, or metadata disabled", () => {
  const inherited = {
    PATH: "/bin",
    AWS_EC2_METADATA_DISABLED: "true",
    AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:1/",
    AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE: "IPv6",
  };
  assert.deepEqual(withMetadataEndpoint(inherited, "http://127.0.0.1:4599"), {
    PATH: "/bin",
    AWS_EC2_METADATA_SERVICE_ENDPOINT: "http://127.0.0.1:4599/",
  });
  assert.deepEqual(withoutMetadata(inherited), { PATH: "/bin", AWS_EC2_METADATA_DISABLED: "true" });
  assert.deepEqual(withoutMetadata({ PATH: "/bin" }), { PATH: "/bin", AWS_EC2_METADATA_DISABLED: "true" });
});

test("the identity signature is served only when the source signs, over the document's exact text", async () => {
  const signed = createMetadataHandler(source({ identitySignature: (doc) => `sig:${doc.length}` }));
  const tok = await token(signed);
  const document = (await get(signed, "/latest/dynamic/instance-identity/document", tok)).body;
  assert.equal(
    (await get(signed, "/latest/dynamic/instance-identity/signature", tok)).body,
    `sig:${document.length}`,
  );
  assert.equal((await get(signed, "/latest/dynamic/instance-identity", tok)).body, "document\nsignature");
  const unsigned = createMetadataHandler(source());
  const other = await token(unsigned);
  assert.equal((await get(unsigned, "/latest/dynamic/instance-identity/signature", other)).status, 404);
  assert.equal((await get(unsigned, "/latest/dynamic/instance-identity", other)).body, "document");
});
