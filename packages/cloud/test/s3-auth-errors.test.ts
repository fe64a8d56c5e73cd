import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { connect } from "node:net";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { ADMIN, startTestEndpoint, waitFor, type TestEndpoint } from "./helpers.ts";
import { send, signedChunks, signedFetch } from "./raw-request.ts";
import { smithySigner, wireQuery } from "./sigv4-oracle.ts";

async function exists(ep: TestEndpoint, key: string): Promise<boolean> {
  return ep
    .client()
    .send(new HeadObjectCommand({ Bucket: "errs", Key: key }))
    .then(() => true)
    .catch((e: S3ServiceException) => {
      if (e.$metadata.httpStatusCode === 404) return false;
      throw e;
    });
}

const code = (body: string) => /<Code>([^<]+)<\/Code>/.exec(body)?.[1];

async function setup(t: Parameters<typeof startTestEndpoint>[0]) {
  const ep = await startTestEndpoint(t);
  await ep.client().send(new CreateBucketCommand({ Bucket: "errs" }));
  return ep;
}

test("wrong secret → 403 SignatureDoesNotMatch with CanonicalRequest and StringToSign; unknown key → InvalidAccessKeyId", async (t) => {
  const ep = await setup(t);
  const wrong = await signedFetch(ep.url, {
    method: "PUT",
    path: "/errs/k",
    body: "data",
    credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: "not-the-secret" },
  });
  assert.equal(wrong.status, 403);
  assert.equal(code(wrong.body), "SignatureDoesNotMatch");
  assert.match(wrong.body, /<CanonicalRequest>PUT\n\/errs\/k\n\nhost:127\.0\.0\.1:\d+\n/);
  assert.match(wrong.body, /<StringToSign>AWS4-HMAC-SHA256\n/);
  assert.match(wrong.body, /<RequestId>[0-9A-F]{16}<\/RequestId><HostId>/);
  assert.ok(wrong.headers["x-amz-request-id"]);
  assert.ok(wrong.headers["x-amz-id-2"]);
  assert.equal(await exists(ep, "k"), false);

  const unknown = await signedFetch(ep.url, {
    method: "GET",
    path: "/",
    credentials: { accessKeyId: "AKIANOBODY", secretAccessKey: "x" },
  });
  assert.equal(unknown.status, 403);
  assert.equal(code(unknown.body), "InvalidAccessKeyId");

  const anonymous = await send(ep.url, "GET", "/errs/", {}, Buffer.alloc(0));
  assert.equal(anonymous.status, 403);
  assert.equal(code(anonymous.body), "AccessDenied");

  const sdk = ep.client({ credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: "nope" } });
  await assert.rejects(
    sdk.send(new PutObjectCommand({ Bucket: "errs", Key: "sdk", Body: "x" })),
    (e: S3ServiceException) => e.name === "SignatureDoesNotMatch",
  );
});

test("a clock skewed by 20 minutes → RequestTimeTooSkewed", async (t) => {
  const ep = await setup(t);
  const skewed = await signedFetch(ep.url, {
    method: "GET",
    path: "/errs/",
    signingDate: new Date(Date.now() - 20 * 60_000),
  });
  assert.equal(skewed.status, 403);
  assert.equal(code(skewed.body), "RequestTimeTooSkewed");
});

test("presigned GET works with plain fetch and is refused once expired", async (t) => {
  const ep = await setup(t);
  await ep
    .client()
    .send(new PutObjectCommand({ Bucket: "errs", Key: "shared file.txt", Body: "presigned!" }));
  const url = new URL(ep.url);
  const presign = async (signingDate: Date, expiresIn: number) => {
    const p = await smithySigner(ADMIN).presign(
      {
        method: "GET",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: "/errs/shared%20file.txt",
        query: {},
        headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
      },
      { signingDate, expiresIn, unsignableHeaders: new Set(["x-amz-content-sha256"]) },
    );
    return `${ep.url}${p.path}?${wireQuery(p.query as Record<string, string>)}`;
  };
  const ok = await fetch(await presign(new Date(), 300));
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "presigned!");
  const expired = await fetch(await presign(new Date(Date.now() - 120_000), 60));
  assert.equal(expired.status, 403);
  const text = await expired.text();
  assert.equal(code(text), "AccessDenied");
  assert.match(text, /Request has expired/);
});

test("signed aws-chunked upload stores the payload; a tampered chunk → SignatureDoesNotMatch and nothing stored", async (t) => {
  const ep = await setup(t);
  const data = [randomBytes(65536), randomBytes(1000)];
  const total = 66536;
  const url = new URL(ep.url);
  const put = async (key: string, tamper: boolean) => {
    const signed = await smithySigner(ADMIN).sign(
      {
        method: "PUT",
        protocol: "http:",
        hostname: url.hostname,
        port: Number(url.port),
        path: `/errs/${key}`,
        query: {},
        headers: {
          host: url.host,
          "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
          "content-encoding": "aws-chunked",
          "x-amz-decoded-content-length": String(total),
        },
      },
      { signingDate: new Date() },
    );
    const headers = signed.headers as Record<string, string>;
    const seed = /Signature=([0-9a-f]{64})/.exec(headers.authorization!)![1]!;
    const body = signedChunks(data, seed, headers["x-amz-date"]!, ADMIN.secretAccessKey);
    if (tamper) body[5000] = body[5000]! ^ 0xff;
    return send(ep.url, "PUT", `/errs/${key}`, headers, body);
  };
  const good = await put("chunked", false);
  assert.equal(good.status, 200, good.body);
  const head = await ep.client().send(new HeadObjectCommand({ Bucket: "errs", Key: "chunked" }));
  assert.equal(head.ContentLength, total);
  const bad = await put("tampered", true);
  assert.equal(bad.status, 403);
  assert.equal(code(bad.body), "SignatureDoesNotMatch");
  assert.equal(await exists(ep, "tampered"), false);
});

test("bad Content-MD5, bad CRC32, bad trailer checksum, wrong x-amz-content-sha256 → right errors, nothing stored", async (t) => {
  const ep = await setup(t);
  const s3 = ep.client();
  await assert.rejects(
    s3.send(
      new PutObjectCommand({
        Bucket: "errs",
        Key: "md5",
        Body: "abc",
        ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==",
      }),
    ),
    (e: S3ServiceException) => e.name === "BadDigest" && e.$metadata.httpStatusCode === 400,
  );
  assert.equal(await exists(ep, "md5"), false);
  await assert.rejects(
    s3.send(new PutObjectCommand({ Bucket: "errs", Key: "md5", Body: "abc", ContentMD5: "short" })),
    (e: S3ServiceException) => e.name === "InvalidDigest",
  );

  const crc = await signedFetch(ep.url, {
    method: "PUT",
    path: "/errs/crc",
    body: "abc",
    headers: { "x-amz-checksum-crc32": "AAAAAA==" },
  });
  assert.equal(crc.status, 400);
  assert.equal(code(crc.body), "BadDigest");
  assert.equal(await exists(ep, "crc"), false);

  const sha = await signedFetch(ep.url, {
    method: "PUT",
    path: "/errs/sha",
    body: "abc",
    wireBody: Buffer.from("abd"),
  });
  assert.equal(sha.status, 400);
  assert.equal(code(sha.body), "XAmzContentSHA256Mismatch");
  assert.equal(await exists(ep, "sha"), false);

  const trailerBody = (payload: Buffer, checksum: string) =>
    Buffer.concat([
      Buffer.from(`${payload.length.toString(16)}\r\n`),
      payload,
      Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`),
    ]);
  const payload = randomBytes(3000);
  const goodCrc = Buffer.alloc(4);
  goodCrc.writeUInt32BE(crc32(payload));
  const trailerPut = (key: string, checksum: string, decoded = payload.length) =>
    signedFetch(ep.url, {
      method: "PUT",
      path: `/errs/${key}`,
      headers: {
        "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "content-encoding": "aws-chunked",
        "x-amz-trailer": "x-amz-checksum-crc32",
        "x-amz-decoded-content-length": String(decoded),
      },
      wireBody: trailerBody(payload, checksum),
    });
  const okTrailer = await trailerPut("trailer-ok", goodCrc.toString("base64"));
  assert.equal(okTrailer.status, 200, okTrailer.body);
  const badTrailer = await trailerPut("trailer-bad", "AAAAAA==");
  assert.equal(code(badTrailer.body), "BadDigest");
  assert.equal(await exists(ep, "trailer-bad"), false);
  const short = await trailerPut("trailer-short", goodCrc.toString("base64"), payload.length + 10);
  assert.equal(code(short.body), "IncompleteBody");
  assert.equal(await exists(ep, "trailer-short"), false);
});

test("large bodies (hashed off the event loop) are verified the same way, and a good one round-trips", async (t) => {
  const ep = await setup(t);
  const s3 = ep.client();
  const big = randomBytes(3 * 1024 * 1024 + 17);
  const md5 = createHash("md5").update(big).digest();
  const tmp = join(ep.dataDir, "buckets", "errs", "tmp");

  await assert.rejects(
    s3.send(
      new PutObjectCommand({
        Bucket: "errs",
        Key: "big-md5",
        Body: big,
        ContentMD5: "1B2M2Y8AsgTpgAmY7PhCfg==",
      }),
    ),
    (e: S3ServiceException) => e.name === "BadDigest",
  );
  const crc = await signedFetch(ep.url, {
    method: "PUT",
    path: "/errs/big-crc",
    body: big,
    headers: { "x-amz-checksum-crc32": "AAAAAA==" },
  });
  assert.equal(code(crc.body), "BadDigest");
  const tampered = Buffer.from(big);
  tampered[tampered.length - 1]! ^= 1;
  const sha = await signedFetch(ep.url, {
    method: "PUT",
    path: "/errs/big-sha",
    body: big,
    wireBody: tampered,
  });
  assert.equal(code(sha.body), "XAmzContentSHA256Mismatch");
  for (const key of ["big-md5", "big-crc", "big-sha"]) assert.equal(await exists(ep, key), false, key);
  await waitFor(async () => (await readdir(tmp)).length === 0);

  const crcOf = Buffer.alloc(4);
  crcOf.writeUInt32BE(crc32(big));
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: "errs",
      Key: "big-ok",
      Body: big,
      ContentMD5: md5.toString("base64"),
      ChecksumCRC32: crcOf.toString("base64"),
    }),
  );
  assert.equal(put.ETag, `"${md5.toString("hex")}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket: "errs", Key: "big-ok", ChecksumMode: "ENABLED" }));
  assert.equal(got.ChecksumCRC32, crcOf.toString("base64"));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), big);
});

test("a body cut off mid-upload leaves nothing visible and no temp file", async (t) => {
  const ep = await setup(t);
  const url = new URL(ep.url);
  const signed = await smithySigner(ADMIN).sign(
    {
      method: "PUT",
      protocol: "http:",
      hostname: url.hostname,
      port: Number(url.port),
      path: "/errs/cut",
      query: {},
      headers: { host: url.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD", "content-length": "100000" },
    },
    { signingDate: new Date() },
  );
  const socket = connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  const head = Object.entries(signed.headers as Record<string, string>)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join("");
  socket.write(`PUT /errs/cut HTTP/1.1\r\n${head}\r\n`);
  socket.write(randomBytes(40_000));
  const tmp = join(ep.dataDir, "buckets", "errs", "tmp");
  await waitFor(async () => (await readdir(tmp)).length === 1);
  socket.destroy();
  await waitFor(async () => (await readdir(tmp)).length === 0);
  assert.equal(await exists(ep, "cut"), false);
});

test("an oversized part number → InvalidArgument; other services → NotImplemented in their own format", async (t) => {
  const ep = await setup(t);
  const created = await signedFetch(ep.url, { method: "POST", path: "/errs/mp", query: { uploads: "" } });
  const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(created.body)![1]!;
  const part = await signedFetch(ep.url, {
    method: "PUT",
    path: "/errs/mp",
    query: { uploadId, partNumber: "10001" },
    body: "x",
  });
  assert.equal(part.status, 400);
  assert.equal(code(part.body), "InvalidArgument");
  const parts = await signedFetch(ep.url, { method: "GET", path: "/errs/mp", query: { uploadId } });
  assert.doesNotMatch(parts.body, /<Part>/);

  const sts = await signedFetch(ep.url, {
    method: "POST",
    path: "/",
    service: "sts",
    body: "Action=GetCallerIdentity&Version=2011-06-15",
    headers: { "content-type": "application/x-www-form-urlencoded" },
  });
  assert.equal(sts.status, 501);
  assert.match(sts.body, /<ErrorResponse><Error><Type>Receiver<\/Type><Code>NotImplemented<\/Code>/);
});

test("virtual-hosted style: Host bucket.localhost addresses the bucket", async (t) => {
  const ep = await setup(t);
  const port = new URL(ep.url).port;
  const put = await signedFetch(ep.url, {
    method: "PUT",
    path: "/v/key.txt",
    body: "vhost",
    headers: { host: `errs.localhost:${port}` },
  });
  assert.equal(put.status, 200, put.body);
  const list = await signedFetch(ep.url, {
    method: "GET",
    path: "/",
    query: { "list-type": "2" },
    headers: { host: `errs.localhost:${port}` },
  });
  assert.match(list.body, /<Key>v\/key\.txt<\/Key>/);
  assert.equal(await exists(ep, "v/key.txt"), true);
});
