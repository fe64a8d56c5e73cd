import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  S3ServiceException,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { startTestEndpoint } from "./helpers.ts";

const MiB = 1024 * 1024;
const md5 = (data: Buffer) => createHash("md5").update(data).digest();

function multipartEtag(parts: Buffer[]): string {
  return `"${createHash("md5")
    .update(Buffer.concat(parts.map(md5)))
    .digest("hex")}-${parts.length}"`;
}

test("lib-storage Upload of 12 MiB: concurrent parts, S3 multipart ETag, composite checksum, exact bytes", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "mpu" }));
  const data = randomBytes(12 * MiB + 123);
  const upload = new Upload({
    client: s3,
    params: {
      Bucket: "mpu",
      Key: "big/file.bin",
      Body: data,
      ContentType: "application/x-test",
      Metadata: { v: "1" },
    },
    partSize: 5 * MiB,
    queueSize: 3,
  });
  const result = await upload.done();
  const parts = [data.subarray(0, 5 * MiB), data.subarray(5 * MiB, 10 * MiB), data.subarray(10 * MiB)];
  assert.equal(result.ETag, multipartEtag(parts));
  const got = await s3.send(
    new GetObjectCommand({ Bucket: "mpu", Key: "big/file.bin", ChecksumMode: "ENABLED" }),
  );
  assert.equal(got.ContentType, "application/x-test");
  assert.deepEqual(got.Metadata, { v: "1" });
  assert.ok(Buffer.from(await got.Body!.transformToByteArray()).equals(data));
  assert.match(got.ChecksumCRC32 ?? "", /-3$/);
  const uploads = await readdir(join(ep.dataDir, "buckets", "mpu", "uploads"));
  assert.deepEqual(uploads, [], "completed upload removed");
});

test("manual multipart: parts out of order, ListParts, ListMultipartUploads, and Complete's checks", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client({ requestChecksumCalculation: "WHEN_REQUIRED" });
  await s3.send(new CreateBucketCommand({ Bucket: "mpu" }));
  const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: "k" }));
  assert.ok(UploadId);
  const bodies = [randomBytes(5 * MiB), randomBytes(5 * MiB), randomBytes(1000)];
  const uploadPart = (n: number) =>
    s3.send(new UploadPartCommand({ Bucket: "mpu", Key: "k", UploadId, PartNumber: n, Body: bodies[n - 1] }));
  // Part 3 first, then 2 and 1 concurrently, as awscli does.
  const etags: string[] = [];
  etags[2] = (await uploadPart(3)).ETag!;
  const [two, one] = await Promise.all([uploadPart(2), uploadPart(1)]);
  etags[1] = two.ETag!;
  etags[0] = one.ETag!;
  assert.equal(etags[0], `"${md5(bodies[0]!).toString("hex")}"`);

  const parts = await s3.send(new ListPartsCommand({ Bucket: "mpu", Key: "k", UploadId }));
  assert.deepEqual(
    parts.Parts?.map((p) => [p.PartNumber, p.Size, p.ETag]),
    [
      [1, 5 * MiB, etags[0]],
      [2, 5 * MiB, etags[1]],
      [3, 1000, etags[2]],
    ],
  );
  const listing = await s3.send(new ListMultipartUploadsCommand({ Bucket: "mpu" }));
  assert.deepEqual(
    listing.Uploads?.map((u) => [u.Key, u.UploadId]),
    [["k", UploadId]],
  );

  const complete = (list: { PartNumber: number; ETag: string }[]) =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "mpu",
        Key: "k",
        UploadId,
        MultipartUpload: { Parts: list },
      }),
    );
  const expectError = async (promise: Promise<unknown>, name: string) =>
    assert.rejects(promise, (e: S3ServiceException) => e.name === name && e.$metadata.httpStatusCode === 400);
  await expectError(
    complete([
      { PartNumber: 2, ETag: etags[1]! },
      { PartNumber: 1, ETag: etags[0]! },
    ]),
    "InvalidPartOrder",
  );
  await expectError(complete([{ PartNumber: 1, ETag: '"00000000000000000000000000000000"' }]), "InvalidPart");
  await expectError(
    complete([
      { PartNumber: 1, ETag: etags[0]! },
      { PartNumber: 4, ETag: etags[0]! },
    ]),
    "InvalidPart",
  );
  await expectError(
    complete([
      { PartNumber: 3, ETag: etags[2]! },
      { PartNumber: 1, ETag: etags[0]! },
    ]),
    "InvalidPartOrder",
  );
  await expectError(
    s3.send(new UploadPartCommand({ Bucket: "mpu", Key: "k", UploadId, PartNumber: 10001, Body: "x" })),
    "InvalidArgument",
  );

  // The small part 3 in the middle is too small; as the last part it is fine.
  const small = await s3.send(new CreateMultipartUploadCommand({ Bucket: "mpu", Key: "small" }));
  const p1 = await s3.send(
    new UploadPartCommand({
      Bucket: "mpu",
      Key: "small",
      UploadId: small.UploadId,
      PartNumber: 1,
      Body: "tiny",
    }),
  );
  const p2 = await s3.send(
    new UploadPartCommand({
      Bucket: "mpu",
      Key: "small",
      UploadId: small.UploadId,
      PartNumber: 2,
      Body: "tiny",
    }),
  );
  await expectError(
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: "mpu",
        Key: "small",
        UploadId: small.UploadId,
        MultipartUpload: {
          Parts: [
            { PartNumber: 1, ETag: p1.ETag },
            { PartNumber: 2, ETag: p2.ETag },
          ],
        },
      }),
    ),
    "EntityTooSmall",
  );

  const done = await complete([1, 2, 3].map((n) => ({ PartNumber: n, ETag: etags[n - 1]! })));
  assert.equal(done.ETag, multipartEtag(bodies));
  const head = await s3.send(new HeadObjectCommand({ Bucket: "mpu", Key: "k" }));
  assert.equal(head.ContentLength, 10 * MiB + 1000);
  await assert.rejects(
    complete([{ PartNumber: 1, ETag: etags[0]! }]),
    (e: S3ServiceException) => e.name === "NoSuchUpload",
  );

  await s3.send(new AbortMultipartUploadCommand({ Bucket: "mpu", Key: "small", UploadId: small.UploadId }));
  await assert.rejects(
    s3.send(
      new UploadPartCommand({
        Bucket: "mpu",
        Key: "small",
        UploadId: small.UploadId,
        PartNumber: 1,
        Body: "x",
      }),
    ),
    (e: S3ServiceException) => e.name === "NoSuchUpload" && e.$metadata.httpStatusCode === 404,
  );
  const after = await s3.send(new ListMultipartUploadsCommand({ Bucket: "mpu" }));
  assert.equal(after.Uploads, undefined);
});
