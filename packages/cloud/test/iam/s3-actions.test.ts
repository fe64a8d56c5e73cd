// S3 operation → IAM action and resource (Amazon S3 user guide, "Required permissions for Amazon S3 API
// operations"), and the mapping run through a documented policy end to end.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { evaluate, s3ActionResource, s3Operations } from "../../src/iam/index.ts";
import type { S3Operation } from "../../src/iam/index.ts";
import { policy, user } from "./support.ts";

const rows: [S3Operation, string, string][] = [
  ["ListBuckets", "s3:ListAllMyBuckets", "*"],
  ["CreateBucket", "s3:CreateBucket", "arn:aws:s3:::b"],
  ["DeleteBucket", "s3:DeleteBucket", "arn:aws:s3:::b"],
  ["HeadBucket", "s3:ListBucket", "arn:aws:s3:::b"],
  ["GetBucketLocation", "s3:GetBucketLocation", "arn:aws:s3:::b"],
  ["ListObjects", "s3:ListBucket", "arn:aws:s3:::b"],
  ["ListObjectsV2", "s3:ListBucket", "arn:aws:s3:::b"],
  ["ListMultipartUploads", "s3:ListBucketMultipartUploads", "arn:aws:s3:::b"],
  ["GetBucketPolicy", "s3:GetBucketPolicy", "arn:aws:s3:::b"],
  ["PutBucketPolicy", "s3:PutBucketPolicy", "arn:aws:s3:::b"],
  ["GetObject", "s3:GetObject", "arn:aws:s3:::b/dir/k.txt"],
  ["HeadObject", "s3:GetObject", "arn:aws:s3:::b/dir/k.txt"],
  ["PutObject", "s3:PutObject", "arn:aws:s3:::b/dir/k.txt"],
  ["CopyObject", "s3:PutObject", "arn:aws:s3:::b/dir/k.txt"],
  ["CreateMultipartUpload", "s3:PutObject", "arn:aws:s3:::b/dir/k.txt"],
  ["UploadPart", "s3:PutObject", "arn:aws:s3:::b/dir/k.txt"],
  ["CompleteMultipartUpload", "s3:PutObject", "arn:aws:s3:::b/dir/k.txt"],
  ["AbortMultipartUpload", "s3:AbortMultipartUpload", "arn:aws:s3:::b/dir/k.txt"],
  ["ListParts", "s3:ListMultipartUploadParts", "arn:aws:s3:::b/dir/k.txt"],
  ["DeleteObject", "s3:DeleteObject", "arn:aws:s3:::b/dir/k.txt"],
  ["DeleteObjects", "s3:DeleteObject", "arn:aws:s3:::b/dir/k.txt"],
];

test("S3 operations map to their IAM action and resource", () => {
  for (const [operation, action, resource] of rows) {
    assert.deepEqual(s3ActionResource(operation, "b", "dir/k.txt"), { action, resource }, operation);
  }
  assert.ok(s3Operations.length >= rows.length);
});

test("object keys go into the ARN exactly as stored", () => {
  assert.equal(s3ActionResource("GetObject", "b", "a/./b/../c").resource, "arn:aws:s3:::b/a/./b/../c");
  assert.equal(s3ActionResource("GetObject", "b", "sp ace+%.txt").resource, "arn:aws:s3:::b/sp ace+%.txt");
});

test("missing bucket, missing key and unknown operations are FAWKES_BAD_REQUEST", () => {
  const bad = (fn: () => unknown) =>
    assert.throws(fn, (e: unknown) => e instanceof FawkesError && e.code === ErrorCode.badRequest);
  bad(() => s3ActionResource("ListObjectsV2"));
  bad(() => s3ActionResource("GetObject", "b"));
  bad(() => s3ActionResource("Teleport" as S3Operation, "b"));
});

// IAM user guide, "IAM policy elements: Variables and tags": list, read and write under the user's own prefix.
test("a user's own-prefix policy, through the S3 mapping", () => {
  const own = policy({
    Version: "2012-10-17",
    Statement: [
      {
        Action: ["s3:ListBucket"],
        Effect: "Allow",
        Resource: ["arn:aws:s3:::mybucket"],
        Condition: { StringLike: { "s3:prefix": ["${aws:username}/*"] } },
      },
      {
        Action: ["s3:GetObject", "s3:PutObject"],
        Effect: "Allow",
        Resource: ["arn:aws:s3:::mybucket/${aws:username}/*"],
      },
    ],
  });
  const decide = (operation: S3Operation, key?: string, context: Record<string, string> = {}) =>
    evaluate(
      { principal: user("David"), ...s3ActionResource(operation, "mybucket", key), context },
      { identityPolicies: [own] },
    ).decision;
  assert.equal(decide("ListObjectsV2", undefined, { "s3:prefix": "David/2024/" }), "Allow");
  assert.equal(decide("ListObjectsV2", undefined, { "s3:prefix": "Adele/" }), "ImplicitDeny");
  assert.equal(decide("UploadPart", "David/big.bin"), "Allow");
  assert.equal(decide("HeadObject", "David/big.bin"), "Allow");
  assert.equal(decide("DeleteObject", "David/big.bin"), "ImplicitDeny");
  assert.equal(decide("GetObject", "david/big.bin"), "ImplicitDeny");
  assert.equal(decide("ListBuckets"), "ImplicitDeny");
});
