import assert from "node:assert/strict";
import { test } from "node:test";
import { memoryCredentialStore, type AccessKey } from "@fawkes/cloud";
import { AwsError } from "../src/aws-error.ts";
import { authenticate, readClaim, type SignedRequest } from "../src/sigv4/authenticate.ts";
import { decodeAwsChunked } from "../src/sigv4/aws-chunked.ts";
import { headerValues, splitTarget } from "../src/sigv4/canonical.ts";
import { smithySigner, wireQuery } from "./sigv4-oracle.ts";

const KEY: AccessKey = {
  accessKeyId: "AKIDORACLE",
  secretAccessKey: "oracle/secret+key",
  principalArn: "arn:aws:iam::000000000000:user/o",
  policies: [],
};
const store = memoryCredentialStore([KEY]);

function toSigned(method: string, target: string, headers: Record<string, string>): SignedRequest {
  const { rawPath, query } = splitTarget(target);
  return { method, rawPath, query, headers: headerValues(Object.entries(headers).flat()) };
}

async function verify(request: SignedRequest, now: number, region = "us-east-1") {
  const claim = readClaim(request);
  assert.ok(claim);
  return authenticate(request, claim, store, { region, now });
}

const PATHS = [
  "/",
  "/bucket/",
  "/bucket/a/./b/../c",
  "/bucket/dbl//slash/./dot/../z",
  "/bucket/%E6%97%A5%E6%9C%AC%E8%AA%9E%20%C3%A9.txt",
  "/bucket/sp%20ace%2Bplus%25.txt",
  "/bucket/x/%28a%29%21%2A%27~%20%3D%3B%2C%40%24%26.txt",
  "/bucket/pct/%252F%2541.txt",
  "/bucket/tilde~/spa%20%20ce",
];
const QUERIES: Record<string, string | string[]>[] = [
  {},
  { "list-type": "2", prefix: "rel/", delimiter: "/", "encoding-type": "url" },
  { uploads: "" },
  { uploadId: "U-1_x", partNumber: "3" },
  { prefix: "ü+ %&=?/", "x-id": "PutObject" },
  { b: ["2", "1", "10"], a: "z" },
];

test("signatures from @smithy/signature-v4 verify for tricky paths and queries; a changed byte fails", async () => {
  const signer = smithySigner(KEY);
  const signingDate = new Date();
  for (const path of PATHS) {
    for (const query of QUERIES) {
      const headers = {
        host: "127.0.0.1:9000",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD",
        "x-amz-meta-spaced": "  a   b  ",
      };
      const signed = await signer.sign(
        { method: "GET", protocol: "http:", hostname: "127.0.0.1", port: 9000, path, query, headers },
        { signingDate },
      );
      const qs = wireQuery(query);
      const target = qs === "" ? path : `${path}?${qs}`;
      const request = toSigned("GET", target, signed.headers as Record<string, string>);
      const auth = await verify(request, signingDate.getTime());
      assert.equal(auth.accessKey.accessKeyId, KEY.accessKeyId, target);

      const tampered = toSigned(
        "GET",
        target + (qs === "" ? "?x=1" : "&x=1"),
        signed.headers as Record<string, string>,
      );
      await assert.rejects(
        verify(tampered, signingDate.getTime()),
        (e: AwsError) => e.code === "SignatureDoesNotMatch",
      );
    }
  }
});

test("awscli's bare `?uploads` and the SDK's `?uploads=` canonicalise alike", async () => {
  const signer = smithySigner(KEY);
  const signingDate = new Date();
  const signed = await signer.sign(
    {
      method: "POST",
      protocol: "http:",
      hostname: "h",
      path: "/b/k",
      query: { uploads: "" },
      headers: { host: "h", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { signingDate },
  );
  for (const target of ["/b/k?uploads", "/b/k?uploads="])
    await verify(toSigned("POST", target, signed.headers as Record<string, string>), signingDate.getTime());
});

test("presigned URLs from smithy verify, and fail once expired", async () => {
  const signer = smithySigner(KEY);
  const signingDate = new Date();
  const presigned = await signer.presign(
    {
      method: "GET",
      protocol: "http:",
      hostname: "127.0.0.1",
      port: 9000,
      path: "/bucket/a%20b",
      query: {},
      headers: { host: "127.0.0.1:9000", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    // As @aws-sdk/s3-request-presigner does: the payload is UNSIGNED-PAYLOAD, and only host is signed.
    { signingDate, expiresIn: 60, unsignableHeaders: new Set(["x-amz-content-sha256"]) },
  );
  const target = `${presigned.path}?${wireQuery(presigned.query as Record<string, string>)}`;
  const request = toSigned("GET", target, { host: "127.0.0.1:9000" });
  const auth = await verify(request, signingDate.getTime() + 30_000);
  assert.equal(auth.presigned, true);
  assert.equal(auth.payloadHash, "UNSIGNED-PAYLOAD");
  await assert.rejects(
    verify(request, signingDate.getTime() + 61_000),
    (e: AwsError) => e.code === "AccessDenied" && e.message === "Request has expired",
  );
});

test("a wrong secret gives SignatureDoesNotMatch carrying the canonical request and string to sign", async () => {
  const signer = smithySigner({ ...KEY, secretAccessKey: "wrong" });
  const signingDate = new Date();
  const signed = await signer.sign(
    {
      method: "PUT",
      protocol: "http:",
      hostname: "h",
      path: "/b/k",
      query: {},
      headers: { host: "h", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { signingDate },
  );
  const error = await verify(
    toSigned("PUT", "/b/k", signed.headers as Record<string, string>),
    signingDate.getTime(),
  ).catch((e: AwsError) => e);
  assert.ok(error instanceof AwsError);
  assert.equal(error.code, "SignatureDoesNotMatch");
  assert.equal(error.status, 403);
  assert.match(
    error.details.CanonicalRequest!,
    /^PUT\n\/b\/k\n\nhost:h\nx-amz-content-sha256:UNSIGNED-PAYLOAD\nx-amz-date:\d{8}T\d{6}Z\n\nhost;x-amz-content-sha256;x-amz-date\nUNSIGNED-PAYLOAD$/,
  );
  assert.match(
    error.details.StringToSign!,
    /^AWS4-HMAC-SHA256\n\d{8}T\d{6}Z\n\d{8}\/us-east-1\/s3\/aws4_request\n[0-9a-f]{64}$/,
  );
});

test("clock skew over 15 minutes, unknown keys and a wrong region are refused with S3's codes", async () => {
  const signer = smithySigner(KEY);
  const signingDate = new Date();
  const signed = await signer.sign(
    {
      method: "GET",
      protocol: "http:",
      hostname: "h",
      path: "/",
      query: {},
      headers: { host: "h", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { signingDate },
  );
  const request = toSigned("GET", "/", signed.headers as Record<string, string>);
  await verify(request, signingDate.getTime() + 14 * 60_000);
  await assert.rejects(
    verify(request, signingDate.getTime() + 16 * 60_000),
    (e: AwsError) => e.code === "RequestTimeTooSkewed" && e.status === 403,
  );
  await assert.rejects(
    verify(request, signingDate.getTime(), "eu-west-1"),
    (e: AwsError) => e.code === "AuthorizationHeaderMalformed",
  );
  const unknown = await smithySigner({ accessKeyId: "AKIDNOPE", secretAccessKey: "x" }).sign(
    {
      method: "GET",
      protocol: "http:",
      hostname: "h",
      path: "/",
      query: {},
      headers: { host: "h", "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
    },
    { signingDate },
  );
  await assert.rejects(
    verify(toSigned("GET", "/", unknown.headers as Record<string, string>), signingDate.getTime()),
    (e: AwsError) => e.code === "InvalidAccessKeyId" && e.status === 403,
  );
});

// AWS S3 API reference, "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
// Chunks (Chunked Upload)", Example: PUT Object — 66560 bytes of 'a' in 64 KiB chunks.
test("the AWS chunked-upload test vector verifies seed and chunk signatures", async () => {
  const awsKey: AccessKey = {
    accessKeyId: "AKIAIOSFODNN7EXAMPLE",
    secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    principalArn: "arn:aws:iam::123456789012:user/example",
    policies: [],
  };
  const seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
  const request = toSigned("PUT", "/examplebucket/chunkObject.txt", {
    Host: "s3.amazonaws.com",
    "x-amz-date": "20130524T000000Z",
    "x-amz-storage-class": "REDUCED_REDUNDANCY",
    Authorization: `AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,SignedHeaders=content-encoding;content-length;host;x-amz-content-sha256;x-amz-date;x-amz-decoded-content-length;x-amz-storage-class,Signature=${seed}`,
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "Content-Encoding": "aws-chunked",
    "x-amz-decoded-content-length": "66560",
    "Content-Length": "66824",
  });
  const claim = readClaim(request)!;
  const auth = await authenticate(request, claim, memoryCredentialStore([awsKey]), {
    region: "us-east-1",
    now: Date.UTC(2013, 4, 24, 0, 1),
  });
  assert.equal(auth.seedSignature, seed);
  const chunk = (data: Buffer, signature: string) =>
    Buffer.concat([
      Buffer.from(`${data.length.toString(16)};chunk-signature=${signature}\r\n`),
      data,
      Buffer.from("\r\n"),
    ]);
  const body = Buffer.concat([
    chunk(Buffer.alloc(65536, "a"), "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"),
    chunk(Buffer.alloc(1024, "a"), "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"),
    chunk(Buffer.alloc(0), "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"),
  ]);
  assert.equal(body.length, 66824);
  const decode = async (wire: Buffer) => {
    // Deliver the body in odd-sized pieces, as a socket would.
    const pieces = async function* () {
      for (let i = 0; i < wire.length; i += 7777) yield wire.subarray(i, i + 7777);
    };
    const out: Buffer[] = [];
    for await (const piece of decodeAwsChunked(pieces(), {
      signing: auth,
      trailer: false,
      trailers: new Map(),
    }))
      out.push(piece);
    return Buffer.concat(out);
  };
  const decoded = await decode(body);
  assert.equal(decoded.length, 66560);
  assert.ok(decoded.every((b) => b === 0x61));

  const tampered = Buffer.from(body);
  tampered[70_000 - 9000] = 0x62;
  await assert.rejects(decode(tampered), (e: AwsError) => e.code === "SignatureDoesNotMatch");
  await assert.rejects(decode(body.subarray(0, 66000)), (e: AwsError) => e.code === "IncompleteBody");
});
