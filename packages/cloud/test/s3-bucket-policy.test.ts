import assert from "node:assert/strict";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import {
  CreateBucketCommand,
  DeleteBucketPolicyCommand,
  DeleteObjectCommand,
  GetBucketPolicyCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutBucketPolicyCommand,
  PutObjectCommand,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import type { AccessKey } from "@fawkes/cloud";
import { ADMIN, startTestEndpoint } from "./helpers.ts";

const READER: AccessKey = {
  accessKeyId: "AKIAREADER0000000001",
  secretAccessKey: "reader-secret-0123456789",
  principalArn: "arn:aws:iam::000000000000:user/reader",
  policies: [
    {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "s3:ListBucket"], Resource: "arn:aws:s3:::*" }],
    },
  ],
};

async function rejectsWith(promise: Promise<unknown>, name: string, status: number): Promise<void> {
  await assert.rejects(promise, (e: S3ServiceException) => {
    assert.equal(e.name, name);
    assert.equal(e.$metadata.httpStatusCode, status);
    return true;
  });
}

const policy = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });

test("put/get/delete bucket policy; no policy is NoSuchBucketPolicy; missing bucket is NoSuchBucket", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "pol" }));
  await rejectsWith(s3.send(new GetBucketPolicyCommand({ Bucket: "pol" })), "NoSuchBucketPolicy", 404);
  const document = policy({
    Sid: "ReadAll",
    Effect: "Allow",
    Principal: "*",
    Action: "s3:GetObject",
    Resource: "arn:aws:s3:::pol/*",
  });
  await s3.send(new PutBucketPolicyCommand({ Bucket: "pol", Policy: document }));
  const got = await s3.send(new GetBucketPolicyCommand({ Bucket: "pol" }));
  assert.deepEqual(JSON.parse(got.Policy ?? ""), JSON.parse(document));
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: "pol" }));
  await rejectsWith(s3.send(new GetBucketPolicyCommand({ Bucket: "pol" })), "NoSuchBucketPolicy", 404);
  await rejectsWith(
    s3.send(new PutBucketPolicyCommand({ Bucket: "nope", Policy: document })),
    "NoSuchBucket",
    404,
  );
});

test("malformed bucket policies are refused with MalformedPolicy and nothing is stored", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "pol" }));
  const bad = [
    "not json",
    JSON.stringify({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "arn:aws:s3:::pol/*" }],
    }),
    policy({ Effect: "Maybe", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::pol/*" }),
    policy({ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::other/*" }),
    policy({ Effect: "Allow", Principal: "*", Action: "ec2:RunInstances", Resource: "arn:aws:s3:::pol/*" }),
  ];
  for (const Policy of bad) {
    await assert.rejects(
      s3.send(new PutBucketPolicyCommand({ Bucket: "pol", Policy })),
      (e: S3ServiceException) => {
        assert.equal(e.name, "MalformedPolicy", Policy);
        assert.equal(e.$metadata.httpStatusCode, 400);
        assert.notEqual(e.message, "");
        return true;
      },
    );
  }
  await rejectsWith(s3.send(new GetBucketPolicyCommand({ Bucket: "pol" })), "NoSuchBucketPolicy", 404);
});

test("an explicit Deny in the bucket policy wins over the admin key's Allow *", async (t) => {
  const ep = await startTestEndpoint(t);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "keep" }));
  await s3.send(new PutObjectCommand({ Bucket: "keep", Key: "a/release.jar", Body: "jar" }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: "keep",
      Policy: policy({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:DeleteObject",
        Resource: "arn:aws:s3:::keep/*",
      }),
    }),
  );
  await rejectsWith(
    s3.send(new DeleteObjectCommand({ Bucket: "keep", Key: "a/release.jar" })),
    "AccessDenied",
    403,
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: "keep", Key: "a/release.jar" }));
  assert.equal(await got.Body?.transformToString(), "jar", "still there, and reads are unaffected");
  await s3.send(new DeleteBucketPolicyCommand({ Bucket: "keep" }));
  await s3.send(new DeleteObjectCommand({ Bucket: "keep", Key: "a/release.jar" }));
});

test("a bucket policy naming a read-only key grants it PutObject on one prefix only", async (t) => {
  const ep = await startTestEndpoint(t, {}, [ADMIN, READER]);
  const admin = ep.client();
  const reader = ep.client({
    credentials: { accessKeyId: READER.accessKeyId, secretAccessKey: READER.secretAccessKey },
  });
  await admin.send(new CreateBucketCommand({ Bucket: "drop" }));
  await rejectsWith(
    reader.send(new PutObjectCommand({ Bucket: "drop", Key: "incoming/x.txt", Body: "x" })),
    "AccessDenied",
    403,
  );
  await admin.send(
    new PutBucketPolicyCommand({
      Bucket: "drop",
      Policy: policy({
        Effect: "Allow",
        Principal: { AWS: READER.principalArn },
        Action: "s3:PutObject",
        Resource: "arn:aws:s3:::drop/incoming/*",
      }),
    }),
  );
  await reader.send(new PutObjectCommand({ Bucket: "drop", Key: "incoming/x.txt", Body: "x" }));
  await rejectsWith(
    reader.send(new PutObjectCommand({ Bucket: "drop", Key: "other/x.txt", Body: "x" })),
    "AccessDenied",
    403,
  );
  const list = await reader.send(new ListObjectsV2Command({ Bucket: "drop" }));
  assert.deepEqual(
    list.Contents?.map((c) => c.Key),
    ["incoming/x.txt"],
  );
});

test("aws:SourceIp in a bucket policy: 127.0.0.1 matches, other networks do not", async (t) => {
  const ep = await startTestEndpoint(t, {}, [ADMIN, READER]);
  const admin = ep.client();
  const reader = ep.client({
    credentials: { accessKeyId: READER.accessKeyId, secretAccessKey: READER.secretAccessKey },
  });
  await admin.send(new CreateBucketCommand({ Bucket: "ips" }));
  const allowFrom = (cidr: string) =>
    admin.send(
      new PutBucketPolicyCommand({
        Bucket: "ips",
        Policy: policy({
          Effect: "Allow",
          Principal: { AWS: READER.principalArn },
          Action: "s3:PutObject",
          Resource: "arn:aws:s3:::ips/*",
          Condition: { IpAddress: { "aws:SourceIp": cidr } },
        }),
      }),
    );
  await allowFrom("10.0.0.0/8");
  await rejectsWith(
    reader.send(new PutObjectCommand({ Bucket: "ips", Key: "k", Body: "x" })),
    "AccessDenied",
    403,
  );
  await allowFrom("127.0.0.1/32");
  await reader.send(new PutObjectCommand({ Bucket: "ips", Key: "k", Body: "x" }));
  // A Deny for everything not from loopback does not affect loopback callers.
  await admin.send(
    new PutBucketPolicyCommand({
      Bucket: "ips",
      Policy: policy({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["arn:aws:s3:::ips", "arn:aws:s3:::ips/*"],
        Condition: { NotIpAddress: { "aws:SourceIp": "127.0.0.1" } },
      }),
    }),
  );
  await admin.send(new GetObjectCommand({ Bucket: "ips", Key: "k" }));
});

test("a bucket policy that cannot be read denies every request and is read again, never taken as absent", async (t) => {
  const first = await startTestEndpoint(t);
  const s3 = first.client();
  await s3.send(new CreateBucketCommand({ Bucket: "guarded" }));
  await s3.send(new PutObjectCommand({ Bucket: "guarded", Key: "release.jar", Body: "jar" }));
  await s3.send(
    new PutBucketPolicyCommand({
      Bucket: "guarded",
      Policy: policy({
        Effect: "Deny",
        Principal: "*",
        Action: "s3:DeleteObject",
        Resource: "arn:aws:s3:::guarded/*",
      }),
    }),
  );
  const [file] = (await readdir(first.dataDir, { recursive: true })).filter((f) => f.endsWith("policy.doc"));
  assert.ok(file, "the policy is stored in a file");
  // Unreadable whatever the user (root ignores modes): a directory where the document was.
  const policyPath = join(first.dataDir, file);
  const text = await readFile(policyPath, "utf8");
  await rm(policyPath);
  await mkdir(policyPath);

  const second = await startTestEndpoint(t, { dataDir: first.dataDir });
  const again = second.client();
  for (let attempt = 0; attempt < 2; attempt++)
    await rejectsWith(
      again.send(new DeleteObjectCommand({ Bucket: "guarded", Key: "release.jar" })),
      "InternalError",
      500,
    );
  await rm(policyPath, { recursive: true });
  await writeFile(policyPath, text);
  await rejectsWith(
    again.send(new DeleteObjectCommand({ Bucket: "guarded", Key: "release.jar" })),
    "AccessDenied",
    403,
  );
  const got = await again.send(new GetObjectCommand({ Bucket: "guarded", Key: "release.jar" }));
  assert.equal(await got.Body?.transformToString(), "jar");
});
