import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  CreateBucketCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { AccessKey } from "@fawkes/cloud";
import { ADMIN, startTestEndpoint } from "./helpers.ts";

test("concurrent writers to one key end with one complete version and no leftover files", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "race" }));
  const bodies = Array.from({ length: 8 }, () => randomBytes(512 * 1024));
  await Promise.all(
    bodies.map((Body) => s3.send(new PutObjectCommand({ Bucket: "race", Key: "same", Body }))),
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: "race", Key: "same" }));
  const data = Buffer.from(await got.Body!.transformToByteArray());
  const winner = bodies.find((b) => b.equals(data));
  assert.ok(winner, "the stored object is exactly one of the uploads");
  assert.equal(got.ETag, `"${createHash("md5").update(winner).digest("hex")}"`);
  const bucketDir = join(ep.dataDir, "buckets", "race");
  const dataFiles = (await readdir(join(bucketDir, "data"), { recursive: true, withFileTypes: true })).filter(
    (e) => e.isFile(),
  );
  assert.equal(dataFiles.length, 1, "replaced versions are removed");
  assert.deepEqual(await readdir(join(bucketDir, "tmp")), []);
});

test("requests are authorised by the access key's IAM policy (default authoriser)", async (t) => {
  const reader: AccessKey = {
    accessKeyId: "AKIAREADONLY00000001",
    secretAccessKey: "reader-secret",
    principalArn: "arn:aws:iam::000000000000:user/reader",
    policies: [
      {
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Action: ["s3:Get*", "s3:ListBucket"],
            Resource: ["arn:aws:s3:::shared", "arn:aws:s3:::shared/*"],
          },
          { Effect: "Allow", Action: "s3:DeleteObject", Resource: "arn:aws:s3:::shared/tmp/*" },
          { Effect: "Deny", Action: "s3:GetObject", Resource: "arn:aws:s3:::shared/secret/*" },
        ],
      },
    ],
  };
  const ep = await startTestEndpoint(t, {}, [ADMIN, reader]);
  const admin = ep.client();
  await admin.send(new CreateBucketCommand({ Bucket: "shared" }));
  for (const Key of ["pub/a", "secret/b", "tmp/c", "keep/d"])
    await admin.send(new PutObjectCommand({ Bucket: "shared", Key, Body: Key }));
  const client = new S3Client({
    endpoint: ep.url,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: reader.accessKeyId, secretAccessKey: reader.secretAccessKey },
  });
  t.after(() => client.destroy());
  const denied = (e: S3ServiceException) => e.name === "AccessDenied" && e.$metadata.httpStatusCode === 403;
  const ok = await client.send(new GetObjectCommand({ Bucket: "shared", Key: "pub/a" }));
  assert.equal(await ok.Body!.transformToString(), "pub/a");
  await assert.rejects(client.send(new GetObjectCommand({ Bucket: "shared", Key: "secret/b" })), denied);
  await assert.rejects(
    client.send(new PutObjectCommand({ Bucket: "shared", Key: "pub/x", Body: "x" })),
    denied,
  );
  await assert.rejects(client.send(new CreateBucketCommand({ Bucket: "mine" })), denied);
  const listed = await client.send(new ListObjectsV2Command({ Bucket: "shared" }));
  assert.equal(listed.KeyCount, 4);
  const deleted = await client.send(
    new DeleteObjectsCommand({
      Bucket: "shared",
      Delete: { Objects: [{ Key: "tmp/c" }, { Key: "keep/d" }] },
    }),
  );
  assert.deepEqual(
    deleted.Deleted?.map((d) => d.Key),
    ["tmp/c"],
  );
  assert.deepEqual(
    deleted.Errors?.map((e) => [e.Key, e.Code]),
    [["keep/d", "AccessDenied"]],
  );
});
