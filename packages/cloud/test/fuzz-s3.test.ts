/**
 * Hostile input, generated: requests of every shape (methods, paths, sub-resources, headers, bodies; unsigned,
 * signed with a wrong secret, or signed correctly with the administrator key) thrown at a real cloud endpoint.
 * Whatever arrives, the endpoint answers in S3's format without a server fault (501 NotImplemented is S3's own
 * answer for a feature it lacks, not a fault), keeps serving, logs no error, and a refused request changes
 * nothing that a client can list.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import fc from "fast-check";
import { ADMIN, startTestEndpoint, type TestEndpoint } from "./helpers.ts";
import { send, signedFetch, type RawResponse } from "./raw-request.ts";

const SUBRESOURCES = [
  "uploads",
  "uploadId",
  "partNumber",
  "list-type",
  "prefix",
  "delimiter",
  "max-keys",
  "continuation-token",
  "start-after",
  "marker",
  "encoding-type",
  "delete",
  "policy",
  "lifecycle",
  "location",
  "acl",
  "tagging",
  "versionId",
  "versioning",
  "x-id",
  "response-content-type",
  "X-Amz-Algorithm",
  "X-Amz-Credential",
  "X-Amz-Signature",
  "X-Amz-Expires",
];

const HEADERS = [
  "content-md5",
  "content-type",
  "content-encoding",
  "x-amz-content-sha256",
  "x-amz-decoded-content-length",
  "x-amz-checksum-crc32",
  "x-amz-checksum-sha256",
  "x-amz-sdk-checksum-algorithm",
  "x-amz-trailer",
  "x-amz-copy-source",
  "x-amz-copy-source-range",
  "x-amz-metadata-directive",
  "x-amz-meta-fuzz",
  "x-amz-date",
  "x-amz-security-token",
  "range",
  "if-match",
  "if-none-match",
  "if-modified-since",
  "if-unmodified-since",
  "authorization",
];

/** Printable ASCII: what an HTTP client can put in a header or a request target at all. */
const printable = (max: number) =>
  fc.string({
    unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)),
    maxLength: max,
  });

const oddSegment = fc.oneof(
  fc.constantFrom("..", ".", "%2e%2e", "%zz", "%", "%00", ""),
  fc.stringMatching(/^[a-z0-9.-]{1,70}$/),
  fc.string({ unit: "grapheme", maxLength: 12 }).map(encodeURIComponent),
);
/** Mostly the seeded bucket and its keys, so that signed requests reach the handlers, not just NoSuchBucket. */
const bucketSegment = fc.oneof(
  { weight: 6, arbitrary: fc.constant("seeded") },
  { weight: 1, arbitrary: fc.constantFrom("fz", "nosuchbucket") },
  { weight: 2, arbitrary: oddSegment },
);
const keySegments = fc.oneof(
  { weight: 2, arbitrary: fc.constant([]) },
  { weight: 4, arbitrary: fc.constantFrom(["seed.txt"], ["keep", "me"], ["dir", "nested.bin"], ["new.txt"]) },
  { weight: 3, arbitrary: fc.array(oddSegment, { minLength: 1, maxLength: 3 }) },
);

const body = fc.oneof(
  fc.constant(""),
  fc.uint8Array({ maxLength: 2048 }).map((a) => Buffer.from(a)),
  printable(300),
  fc.constantFrom(
    "<Delete><Object><Key>seed.txt</Key></Object></Delete>",
    "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
    "<LifecycleConfiguration><Rule><Status>Enabled</Status></Rule></LifecycleConfiguration>",
    '{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"*"}]}',
    "<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><Delete>&a;</Delete>",
    "5;chunk-signature=zz\r\nhello\r\n0;chunk-signature=zz\r\n\r\n",
  ),
);

const request = fc.record({
  method: fc.constantFrom("GET", "HEAD", "PUT", "POST", "DELETE", "OPTIONS", "PATCH"),
  segments: fc.oneof(
    { weight: 1, arbitrary: fc.constant([]) },
    { weight: 9, arbitrary: fc.tuple(bucketSegment, keySegments).map(([b, k]) => [b, ...k]) },
  ),
  trailingSlash: fc.boolean(),
  query: fc.oneof(
    fc.constant<Record<string, string>>({}),
    fc.dictionary(fc.constantFrom(...SUBRESOURCES), fc.oneof(fc.constant(""), printable(40)), { maxKeys: 3 }),
  ),
  headers: fc.oneof(
    fc.constant<Record<string, string>>({}),
    fc.dictionary(fc.constantFrom(...HEADERS), printable(80), { maxKeys: 3 }),
  ),
  body,
  auth: fc.constantFrom("none", "wrong-secret", "admin", "admin", "admin"),
});

type Generated = typeof request extends fc.Arbitrary<infer T> ? T : never;

const stripIds = (text: string) => text.replace(/<RequestId>[^<]*<\/RequestId>|<HostId>[^<]*<\/HostId>/g, "");

/** What a client can see of the endpoint's state: buckets, their objects, uploads, policies and lifecycle. */
async function snapshot(url: string): Promise<string> {
  const get = async (path: string, query: Record<string, string> = {}) =>
    stripIds((await signedFetch(url, { method: "GET", path, query })).body);
  const buckets = await get("/");
  const names = [...buckets.matchAll(/<Name>([^<]+)<\/Name>/g)].map((m) => m[1]!);
  const parts = [buckets];
  for (const name of names) {
    const path = `/${encodeURIComponent(name)}`;
    parts.push(
      await get(path, { "list-type": "2", "max-keys": "1000" }),
      await get(path, { uploads: "" }),
      await get(path, { policy: "" }),
      await get(path, { lifecycle: "" }),
    );
  }
  return parts.join("\n");
}

async function sendGenerated(url: string, r: Generated): Promise<RawResponse> {
  const path = `/${r.segments.join("/")}${r.trailingSlash ? "/" : ""}`;
  const bytes = Buffer.from(r.body);
  if (r.auth === "none") {
    const qs = new URLSearchParams(r.query).toString();
    return send(url, r.method, qs ? `${path}?${qs}` : path, r.headers, bytes);
  }
  const { authorization: _ignored, ...headers } = r.headers;
  try {
    return await signedFetch(url, {
      method: r.method,
      path,
      query: r.query,
      headers: {
        "x-amz-content-sha256": createHash("sha256").update(bytes).digest("hex"),
        ...headers,
      },
      body: bytes,
      ...(r.auth === "wrong-secret" && {
        credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: "wrong" },
      }),
    });
  } catch (error) {
    // The oracle signer refuses some shapes (it is a client, not a fuzzer): send those unsigned instead.
    if ((error as NodeJS.ErrnoException).code === "ECONNRESET") throw error;
    return send(url, r.method, path, r.headers, bytes);
  }
}

async function seed(ep: TestEndpoint): Promise<void> {
  const put = (path: string, body = "", query: Record<string, string> = {}) =>
    signedFetch(ep.url, { method: "PUT", path, body, query });
  for (const response of [
    await put("/seeded"),
    await put("/seeded/seed.txt", "seed"),
    await put("/seeded/dir/nested.bin", "nested"),
    await put(
      "/seeded",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Deny",
            Principal: "*",
            Action: "s3:DeleteObject",
            Resource: "arn:aws:s3:::seeded/keep/*",
          },
        ],
      }),
      { policy: "" },
    ),
    await put("/seeded/keep/me", "kept"),
  ])
    assert.ok(response.status < 300, response.body);
}

test("generated S3 requests: no server fault, no crash, no error logged, no change from a refused request", async (t) => {
  const errors: unknown[] = [];
  const log = {
    info: () => undefined,
    warn: () => undefined,
    debug: () => undefined,
    error: (object: unknown, message?: string) => errors.push({ object, message }),
  };
  const ep = await startTestEndpoint(t, { log: log as never });
  await seed(ep);

  await fc.assert(
    fc.asyncProperty(request, async (r) => {
      const before = await snapshot(ep.url);
      const response = await sendGenerated(ep.url, r);
      if (response.status === 500)
        console.log(JSON.stringify(errors.at(-1), (k, v) => (v instanceof Error ? v.stack : v)));
      const code = /<Code>([^<]+)<\/Code>/.exec(response.body)?.[1];
      assert.ok(
        response.status < 500 ||
          (response.status === 501 && (code === "NotImplemented" || r.method === "HEAD")),
        `${response.status} ${code ?? ""}: ${response.body.slice(0, 300)}`,
      );
      assert.ok(response.status >= 200, `status ${response.status}`);
      if (response.status >= 400)
        assert.equal(await snapshot(ep.url), before, `refused (${response.status}) yet changed`);
    }),
    {
      numRuns: Number(process.env.FAWKES_FUZZ_RUNS ?? 400),
      seed: Number(process.env.FAWKES_FUZZ_SEED ?? 20261207),
    },
  );

  assert.deepEqual(errors, []);
  // Still serving: a fresh bucket takes an object and gives it back.
  assert.equal((await signedFetch(ep.url, { method: "PUT", path: "/after-fuzz" })).status, 200);
  assert.equal((await signedFetch(ep.url, { method: "PUT", path: "/after-fuzz/k", body: "v" })).status, 200);
  const health = await signedFetch(ep.url, { method: "GET", path: "/after-fuzz/k" });
  assert.equal(health.status, 200);
  assert.equal(health.body, "v");
});

test("found by the generator: an empty bucket name (`//key`) is InvalidBucketName, not an internal error", async (t) => {
  const ep = await startTestEndpoint(t);
  for (const method of ["GET", "PUT", "DELETE"]) {
    const response = await signedFetch(ep.url, { method, path: "//key" });
    assert.equal(response.status, 400, response.body);
    assert.match(response.body, /<Code>InvalidBucketName<\/Code>/);
  }
});
