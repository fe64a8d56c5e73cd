import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { Readable } from "node:stream";
import { test } from "node:test";
import {
  CopyObjectCommand,
  CreateBucketCommand,
  DeleteBucketCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { startTestEndpoint } from "./helpers.ts";

const md5 = (data: Buffer | string) => `"${createHash("md5").update(data).digest("hex")}"`;

async function rejectsWith(promise: Promise<unknown>, name: string | undefined, status: number) {
  await assert.rejects(promise, (e: S3ServiceException) => {
    if (name !== undefined) assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    return true;
  });
}

test("buckets: create, list, head, location, invalid names, already owned, not empty", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "alpha" }));
  await s3.send(new CreateBucketCommand({ Bucket: "beta.b-1" }));
  await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: "alpha" })), "BucketAlreadyOwnedByYou", 409);
  for (const bad of ["ab", "UPPER", "a..b", "192.168.1.1", "-dash", "x".repeat(64)])
    await rejectsWith(s3.send(new CreateBucketCommand({ Bucket: bad })), "InvalidBucketName", 400);
  const list = await s3.send(new ListBucketsCommand({}));
  assert.deepEqual(
    list.Buckets?.map((b) => b.Name),
    ["alpha", "beta.b-1"],
  );
  assert.ok(list.Buckets?.[0]?.CreationDate instanceof Date);
  await s3.send(new HeadBucketCommand({ Bucket: "alpha" }));
  await rejectsWith(s3.send(new HeadBucketCommand({ Bucket: "nope" })), "NotFound", 404);
  const location = await s3.send(new GetBucketLocationCommand({ Bucket: "alpha" }));
  assert.equal(location.LocationConstraint ?? "", "");
  await s3.send(new PutObjectCommand({ Bucket: "alpha", Key: "k", Body: "x" }));
  await rejectsWith(s3.send(new DeleteBucketCommand({ Bucket: "alpha" })), "BucketNotEmpty", 409);
  await s3.send(new DeleteObjectCommand({ Bucket: "alpha", Key: "k" }));
  await s3.send(new DeleteBucketCommand({ Bucket: "alpha" }));
  await rejectsWith(s3.send(new DeleteBucketCommand({ Bucket: "alpha" })), "NoSuchBucket", 404);
  await rejectsWith(
    s3.send(new PutObjectCommand({ Bucket: "alpha", Key: "k", Body: "x" })),
    "NoSuchBucket",
    404,
  );
});

test("objects: put/get/head/delete keep metadata and standard headers; ETag is the MD5", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "bkt" }));
  const body = "hello, fawkes";
  const put = await s3.send(
    new PutObjectCommand({
      Bucket: "bkt",
      Key: "dir/file.txt",
      Body: body,
      ContentType: "text/plain; charset=utf-8",
      CacheControl: "max-age=60",
      ContentDisposition: 'attachment; filename="f.txt"',
      ContentEncoding: "identity",
      Metadata: { build: "42", "Mixed-Case": "v" },
    }),
  );
  assert.equal(put.ETag, md5(body));
  const got = await s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "dir/file.txt" }));
  assert.equal(await got.Body!.transformToString(), body);
  assert.equal(got.ContentType, "text/plain; charset=utf-8");
  assert.equal(got.CacheControl, "max-age=60");
  assert.equal(got.ContentDisposition, 'attachment; filename="f.txt"');
  assert.equal(got.ContentEncoding, "identity");
  assert.deepEqual(got.Metadata, { build: "42", "mixed-case": "v" });
  assert.equal(got.ContentLength, body.length);
  assert.equal(got.ETag, md5(body));
  const head = await s3.send(new HeadObjectCommand({ Bucket: "bkt", Key: "dir/file.txt" }));
  assert.equal(head.ContentLength, body.length);
  assert.equal(head.AcceptRanges, "bytes");
  await s3.send(new DeleteObjectCommand({ Bucket: "bkt", Key: "dir/file.txt" }));
  await rejectsWith(s3.send(new HeadObjectCommand({ Bucket: "bkt", Key: "dir/file.txt" })), "NotFound", 404);
  await rejectsWith(s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "dir/file.txt" })), "NoSuchKey", 404);
  await s3.send(new DeleteObjectCommand({ Bucket: "bkt", Key: "never-existed" }));
});

test("ranged and conditional GETs: 206 + Content-Range, 304, 412, 416", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "bkt" }));
  const data = randomBytes(10_000);
  const { ETag } = await s3.send(new PutObjectCommand({ Bucket: "bkt", Key: "r", Body: data }));
  const ranged = async (range: string) => {
    const r = await s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "r", Range: range }));
    return { r, bytes: Buffer.from(await r.Body!.transformToByteArray()) };
  };
  let { r, bytes } = await ranged("bytes=100-199");
  assert.equal(r.$metadata.httpStatusCode, 206);
  assert.equal(r.ContentRange, "bytes 100-199/10000");
  assert.deepEqual(bytes, data.subarray(100, 200));
  ({ r, bytes } = await ranged("bytes=9990-"));
  assert.equal(r.ContentRange, "bytes 9990-9999/10000");
  assert.deepEqual(bytes, data.subarray(9990));
  ({ r, bytes } = await ranged("bytes=-5"));
  assert.deepEqual(bytes, data.subarray(9995));
  ({ r, bytes } = await ranged("bytes=9000-20000"));
  assert.equal(r.ContentRange, "bytes 9000-9999/10000");
  await rejectsWith(
    s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "r", Range: "bytes=10000-" })),
    "InvalidRange",
    416,
  );
  await rejectsWith(
    s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "r", IfNoneMatch: ETag })),
    undefined,
    304,
  );
  await rejectsWith(
    s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "r", IfMatch: '"0000"' })),
    "PreconditionFailed",
    412,
  );
  const future = new Date(Date.now() + 3600_000);
  await rejectsWith(
    s3.send(new GetObjectCommand({ Bucket: "bkt", Key: "r", IfModifiedSince: future })),
    undefined,
    304,
  );
  const ok = await s3.send(
    new GetObjectCommand({ Bucket: "bkt", Key: "r", IfMatch: ETag, IfModifiedSince: new Date(0) }),
  );
  assert.equal(ok.$metadata.httpStatusCode, 200);
  await ok.Body!.transformToByteArray();
});

const ODD_KEYS = [
  "with space.txt",
  "plus+sign",
  "percent%25%.txt",
  "uni/日本語 é.txt",
  "dots/../up",
  "a/./b/../c",
  "dbl//slash/./dot/../z",
  "x/(a)!*'~ =;,@$&.txt",
  "tilde~/spa  ce",
  "question?mark#hash",
  "emoji/🚀",
];

test("odd keys round-trip unchanged and list in UTF-8 byte order", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "odd" }));
  for (const key of ODD_KEYS)
    await s3.send(new PutObjectCommand({ Bucket: "odd", Key: key, Body: `body of ${key}` }));
  for (const key of ODD_KEYS) {
    const got = await s3.send(new GetObjectCommand({ Bucket: "odd", Key: key }));
    assert.equal(await got.Body!.transformToString(), `body of ${key}`, key);
  }
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: "odd" }));
  const expected = [...ODD_KEYS].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(
    listed.Contents?.map((c) => c.Key),
    expected,
  );
});

test("ListObjectsV2: prefix, delimiter, CommonPrefixes, max-keys pagination, start-after; ListObjects v1 markers", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "lst" }));
  const keys = ["a/1", "a/2", "a/sub/3", "b/1", "c", "d/e/f", "d/e/g", "e"];
  for (const key of keys) await s3.send(new PutObjectCommand({ Bucket: "lst", Key: key, Body: key }));

  const top = await s3.send(new ListObjectsV2Command({ Bucket: "lst", Delimiter: "/" }));
  assert.deepEqual(
    top.Contents?.map((c) => c.Key),
    ["c", "e"],
  );
  assert.deepEqual(
    top.CommonPrefixes?.map((p) => p.Prefix),
    ["a/", "b/", "d/"],
  );
  assert.equal(top.KeyCount, 5);

  const underA = await s3.send(new ListObjectsV2Command({ Bucket: "lst", Prefix: "a/", Delimiter: "/" }));
  assert.deepEqual(
    underA.Contents?.map((c) => c.Key),
    ["a/1", "a/2"],
  );
  assert.deepEqual(
    underA.CommonPrefixes?.map((p) => p.Prefix),
    ["a/sub/"],
  );

  // Page through with max-keys 2 and a delimiter: common prefixes count toward the page and are never repeated.
  const seen: string[] = [];
  let token: string | undefined;
  let pages = 0;
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({ Bucket: "lst", Delimiter: "/", MaxKeys: 2, ContinuationToken: token }),
    );
    seen.push(
      ...(page.Contents ?? []).map((c) => c.Key!),
      ...(page.CommonPrefixes ?? []).map((p) => p.Prefix!),
    );
    assert.ok((page.KeyCount ?? 0) <= 2);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    pages++;
  } while (token);
  assert.deepEqual(seen.sort(), ["a/", "b/", "c", "d/", "e"]);
  assert.equal(pages, 3);

  const flat: string[] = [];
  token = undefined;
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({ Bucket: "lst", MaxKeys: 3, ContinuationToken: token }),
    );
    flat.push(...(page.Contents ?? []).map((c) => c.Key!));
    token = page.NextContinuationToken;
  } while (token);
  assert.deepEqual(flat, keys);

  const after = await s3.send(
    new ListObjectsV2Command({ Bucket: "lst", StartAfter: "b/1", FetchOwner: true }),
  );
  assert.deepEqual(
    after.Contents?.map((c) => c.Key),
    ["c", "d/e/f", "d/e/g", "e"],
  );
  assert.ok(after.Contents?.[0]?.Owner?.ID);

  const v1 = await s3.send(new ListObjectsCommand({ Bucket: "lst", Delimiter: "/", MaxKeys: 2 }));
  assert.equal(v1.IsTruncated, true);
  assert.equal(v1.NextMarker, "b/");
  const v1next = await s3.send(
    new ListObjectsCommand({ Bucket: "lst", Delimiter: "/", Marker: v1.NextMarker }),
  );
  assert.deepEqual(
    v1next.Contents?.map((c) => c.Key),
    ["c", "e"],
  );
  assert.deepEqual(
    v1next.CommonPrefixes?.map((p) => p.Prefix),
    ["d/"],
  );

  await assert.rejects(
    s3.send(new ListObjectsV2Command({ Bucket: "lst", ContinuationToken: "garbage" })),
    (e: S3ServiceException) => e.name === "InvalidArgument",
  );
});

test("copy (metadata COPY and REPLACE) and DeleteObjects (verbose and Quiet)", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "src" }));
  await s3.send(new CreateBucketCommand({ Bucket: "dst" }));
  await s3.send(
    new PutObjectCommand({
      Bucket: "src",
      Key: "a b+c",
      Body: "copy me",
      ContentType: "text/x",
      Metadata: { m: "1" },
    }),
  );
  const copied = await s3.send(
    new CopyObjectCommand({ Bucket: "dst", Key: "copy/1", CopySource: `src/${encodeURIComponent("a b+c")}` }),
  );
  assert.equal(copied.CopyObjectResult?.ETag, md5("copy me"));
  const one = await s3.send(new GetObjectCommand({ Bucket: "dst", Key: "copy/1" }));
  assert.equal(await one.Body!.transformToString(), "copy me");
  assert.equal(one.ContentType, "text/x");
  assert.deepEqual(one.Metadata, { m: "1" });
  await s3.send(
    new CopyObjectCommand({
      Bucket: "src",
      Key: "a b+c",
      CopySource: `src/${encodeURIComponent("a b+c")}`,
      MetadataDirective: "REPLACE",
      ContentType: "text/y",
      Metadata: { n: "2" },
    }),
  );
  const replaced = await s3.send(new HeadObjectCommand({ Bucket: "src", Key: "a b+c" }));
  assert.equal(replaced.ContentType, "text/y");
  assert.deepEqual(replaced.Metadata, { n: "2" });
  await assert.rejects(
    s3.send(
      new CopyObjectCommand({
        Bucket: "src",
        Key: "a b+c",
        CopySource: `src/${encodeURIComponent("a b+c")}`,
      }),
    ),
    (e: S3ServiceException) => e.name === "InvalidRequest",
  );
  await rejectsWith(
    s3.send(new CopyObjectCommand({ Bucket: "dst", Key: "x", CopySource: "src/missing" })),
    "NoSuchKey",
    404,
  );

  for (const k of ["d/1", "d/2", "d/3"])
    await s3.send(new PutObjectCommand({ Bucket: "dst", Key: k, Body: k }));
  const verbose = await s3.send(
    new DeleteObjectsCommand({ Bucket: "dst", Delete: { Objects: [{ Key: "d/1" }, { Key: "d/missing" }] } }),
  );
  assert.deepEqual(verbose.Deleted?.map((d) => d.Key).sort(), ["d/1", "d/missing"]);
  const quiet = await s3.send(
    new DeleteObjectsCommand({
      Bucket: "dst",
      Delete: { Quiet: true, Objects: [{ Key: "d/2" }, { Key: "d/3" }] },
    }),
  );
  assert.equal(quiet.Deleted, undefined);
  const left = await s3.send(new ListObjectsV2Command({ Bucket: "dst" }));
  assert.deepEqual(
    left.Contents?.map((c) => c.Key),
    ["copy/1"],
  );
});

test("SDK stream upload (aws-chunked, CRC32 trailer) stores the payload, not the framing; checksum returned on GET", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "str" }));
  const data = randomBytes(200_000);
  await s3.send(
    new PutObjectCommand({
      Bucket: "str",
      Key: "stream.bin",
      Body: Readable.from([data.subarray(0, 70_000), data.subarray(70_000)]),
      ContentLength: data.length,
    }),
  );
  const got = await s3.send(
    new GetObjectCommand({ Bucket: "str", Key: "stream.bin", ChecksumMode: "ENABLED" }),
  );
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), data);
  assert.equal(got.ETag, md5(data));
  assert.ok(got.ChecksumCRC32, "CRC32 returned with x-amz-checksum-mode: ENABLED");

  for (const algorithm of ["CRC32C", "CRC64NVME", "SHA1", "SHA256"] as const) {
    await s3.send(
      new PutObjectCommand({ Bucket: "str", Key: algorithm, Body: data, ChecksumAlgorithm: algorithm }),
    );
    const back = await s3.send(
      new GetObjectCommand({ Bucket: "str", Key: algorithm, ChecksumMode: "ENABLED" }),
    );
    await back.Body!.transformToByteArray();
    assert.ok(back[`Checksum${algorithm}`], algorithm);
  }
});
