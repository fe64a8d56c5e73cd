import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { test, type TestContext } from "node:test";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { ADMIN, startTestEndpoint } from "./helpers.ts";
import { signedFetch } from "./raw-request.ts";

const MiB = 1024 * 1024;
const md5 = (data: Buffer | string) => createHash("md5").update(data).digest("hex");

/** A Fawkes endpoint storing its objects in a second Fawkes endpoint (local disk) through the S3 backend. */
async function startPair(t: TestContext) {
  const remote = await startTestEndpoint(t);
  const front = await startTestEndpoint(t, {
    storage: {
      kind: "s3",
      endpoint: remote.url,
      region: "us-east-1",
      bucketPrefix: "fwk-",
      credentials: { accessKeyId: ADMIN.accessKeyId, secretAccessKey: ADMIN.secretAccessKey },
    },
  });
  return { remote: remote.client(), s3: front.client(), front };
}

async function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  await assert.rejects(promise, (e: S3ServiceException) => {
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    return true;
  });
}

test("S3 backend: buckets map to prefixed remote buckets; put/get/head/range/copy/delete keep bytes and metadata", async (t) => {
  const { remote, s3 } = await startPair(t);
  await s3.send(new CreateBucketCommand({ Bucket: "art" }));
  await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: "art" })), "BucketAlreadyOwnedByYou", 409);
  assert.deepEqual(
    (await s3.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name),
    ["art"],
  );
  assert.deepEqual(
    (await remote.send(new ListBucketsCommand({}))).Buckets?.map((b) => b.Name),
    ["fwk-art"],
  );
  const body = randomBytes(300_000);
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: "art",
      Key: "dir/odd key+%é.bin",
      Body: body,
      ContentType: "application/x-test",
      CacheControl: "max-age=5",
      ContentDisposition: "attachment",
      Metadata: { build: "42" },
    }),
  );
  assert.equal(put.ETag, `"${md5(body)}"`);
  const head = await s3.send(new HeadObjectCommand({ Bucket: "art", Key: "dir/odd key+%é.bin" }));
  assert.equal(head.ContentLength, body.length);
  assert.equal(head.ContentType, "application/x-test");
  assert.equal(head.CacheControl, "max-age=5");
  assert.equal(head.ContentDisposition, "attachment");
  assert.deepEqual(head.Metadata, { build: "42" });
  const got = await s3.send(
    new GetObjectCommand({ Bucket: "art", Key: "dir/odd key+%é.bin", ChecksumMode: "ENABLED" }),
  );
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(body));
  assert.ok(got.ChecksumCRC32, "the SDK's CRC32 was stored remotely and is returned");
  const range = await s3.send(
    new GetObjectCommand({ Bucket: "art", Key: "dir/odd key+%é.bin", Range: "bytes=1000-1999" }),
  );
  assert.equal(range.$metadata.httpStatusCode, 206);
  assert.equal(range.ContentRange, `bytes 1000-1999/${body.length}`);
  assert.ok(Buffer.from(await range.Body!.transformToByteArray()).equals(body.subarray(1000, 2000)));
  const direct = await remote.send(new HeadObjectCommand({ Bucket: "fwk-art", Key: "dir/odd key+%é.bin" }));
  assert.equal(direct.ETag, put.ETag, "the object really lives in the remote");

  const copy = await s3.send(
    new CopyObjectCommand({
      Bucket: "art",
      Key: "copy.bin",
      CopySource: "art/dir/odd%20key%2B%25%C3%A9.bin",
    }),
  );
  assert.equal(copy.CopyObjectResult?.ETag, put.ETag);
  const copied = await s3.send(new HeadObjectCommand({ Bucket: "art", Key: "copy.bin" }));
  assert.deepEqual(copied.Metadata, { build: "42" });

  await rejectsWith(s3.send(new GetObjectCommand({ Bucket: "art", Key: "missing" })), "NoSuchKey", 404);
  await rejectsWith(s3.send(new HeadObjectCommand({ Bucket: "art", Key: "missing" })), "NotFound", 404);
  await rejectsWith(s3.send(new GetObjectCommand({ Bucket: "nope", Key: "k" })), "NoSuchBucket", 404);
  await rejectsWith(s3.send(new DeleteBucketCommand({ Bucket: "art" })), "BucketNotEmpty", 409);
  await s3.send(new DeleteObjectCommand({ Bucket: "art", Key: "copy.bin" }));
  await s3.send(
    new DeleteObjectsCommand({ Bucket: "art", Delete: { Objects: [{ Key: "dir/odd key+%é.bin" }] } }),
  );
  await s3.send(new DeleteBucketCommand({ Bucket: "art" }));
  assert.deepEqual((await remote.send(new ListBucketsCommand({}))).Buckets ?? [], []);
});

test("S3 backend: ListObjectsV2 with delimiter, common prefixes and continuation tokens", async (t) => {
  const { s3 } = await startPair(t);
  await s3.send(new CreateBucketCommand({ Bucket: "lst" }));
  const keys = ["a.txt", "b/1", "b/2", "b/3", "c/1", "d.txt", "e/x/1"];
  await Promise.all(keys.map((Key) => s3.send(new PutObjectCommand({ Bucket: "lst", Key, Body: Key }))));
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: "lst", Delimiter: "/", MaxKeys: 2, ContinuationToken: token }),
    );
    pages++;
    seen.push(
      ...(page.Contents ?? []).map((c) => c.Key!),
      ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
    );
    token = page.NextContinuationToken;
  } while (token);
  assert.deepEqual(seen.sort(), ["a.txt", "b/", "c/", "d.txt", "e/"]);
  assert.equal(pages, 3);
  const flat = await s3.send(new ListObjectsV2Command({ Bucket: "lst", Prefix: "b/" }));
  assert.deepEqual(
    flat.Contents?.map((c) => [c.Key, c.Size]),
    [
      ["b/1", 3],
      ["b/2", 3],
      ["b/3", 3],
    ],
  );
});

test("S3 backend: lib-storage multipart upload (parts out of order) and a stream upload with a CRC32 trailer", async (t) => {
  const { s3, remote } = await startPair(t);
  await s3.send(new CreateBucketCommand({ Bucket: "mpu" }));
  const data = randomBytes(11 * MiB + 7);
  const upload = new Upload({
    client: s3,
    params: { Bucket: "mpu", Key: "big.bin", Body: data },
    partSize: 5 * MiB,
    queueSize: 3,
  });
  const result = await upload.done();
  const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
  const expected = `"${createHash("md5")
    .update(Buffer.concat(parts.map((p) => createHash("md5").update(p).digest())))
    .digest("hex")}-3"`;
  assert.equal(result.ETag, expected);
  const got = await s3.send(new GetObjectCommand({ Bucket: "mpu", Key: "big.bin" }));
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
  assert.equal(
    (await remote.send(new HeadObjectCommand({ Bucket: "fwk-mpu", Key: "big.bin" }))).ETag,
    expected,
  );

  const streamed = randomBytes(70_000);
  await s3.send(
    new PutObjectCommand({
      Bucket: "mpu",
      Key: "stream.bin",
      Body: Readable.from([streamed]),
      ContentLength: streamed.length,
    }),
  );
  const back = await s3.send(new GetObjectCommand({ Bucket: "mpu", Key: "stream.bin" }));
  assert.ok(Buffer.from(await back.Body!.transformToByteArray()).equals(streamed));
});

test("S3 backend: a bad checksum stores nothing remotely; bucket policies still apply", async (t) => {
  const { s3, remote, front } = await startPair(t);
  await s3.send(new CreateBucketCommand({ Bucket: "chk" }));
  const response = await signedFetch(front.url, {
    method: "PUT",
    path: "/chk/bad.bin",
    headers: { "x-amz-checksum-crc32": "AAAAAA==" },
    body: "payload",
  });
  assert.equal(response.status, 400);
  assert.match(response.body, /<Code>BadDigest<\/Code>/);
  assert.equal((await remote.send(new ListObjectsV2Command({ Bucket: "fwk-chk" }))).KeyCount, 0);
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: "chk",
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Deny", Principal: "*", Action: "s3:PutObject", Resource: "arn:aws:s3:::chk/*" },
        ],
      }),
    }),
  );
  await rejectsWith(
    s3.send(new PutObjectCommand({ Bucket: "chk", Key: "k", Body: "x" })),
    "AccessDenied",
    403,
  );
});

test("S3 backend: lifecycle rules expire objects in the remote", async (t) => {
  const { s3, remote, front } = await startPair(t);
  await s3.send(new CreateBucketCommand({ Bucket: "life" }));
  for (const Key of ["r/1", "r/2", "r/3", "other"])
    await s3.send(new PutObjectCommand({ Bucket: "life", Key, Body: Key }));
  const response = await signedFetch(front.url, {
    method: "PUT",
    path: "/life",
    query: { lifecycle: "" },
    body: "<LifecycleConfiguration><Rule><ID>k</ID><Filter><Prefix>r/</Prefix></Filter><Status>Enabled</Status><FawkesKeepNewest>1</FawkesKeepNewest></Rule></LifecycleConfiguration>",
  });
  assert.equal(response.status, 200, response.body);
  const report = await front.endpoint.applyLifecycle();
  assert.equal(report.expired.length, 2);
  const left = await remote.send(new ListObjectsV2Command({ Bucket: "fwk-life" }));
  assert.deepEqual(
    left.Contents?.map((c) => c.Key),
    ["other", "r/3"],
  );
});
