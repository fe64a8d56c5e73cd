import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { awsCli } from "./awscli.ts";
import { startTestEndpoint } from "./helpers.ts";

test("awscli: mb, cp single and filtered --recursive, multipart upload > 8 MiB, download, rm --recursive, rb", async (t) => {
  const ep = await startTestEndpoint(t);
  const work = await mkdtemp(join(tmpdir(), "fawkes-awscli-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const aws = awsCli(ep.url, work);
  const tree = join(work, "tree");
  await mkdir(join(tree, "sub"), { recursive: true });
  await writeFile(join(tree, "x-one.txt"), "one");
  await writeFile(join(tree, "x two+plus%.txt"), "two");
  await writeFile(join(tree, "y-skip.txt"), "skip");
  await writeFile(join(tree, "sub", "x-nested.txt"), "nested");
  const big = randomBytes(9 * 1024 * 1024 + 17);
  await writeFile(join(work, "big.bin"), big);

  await aws("s3", "mb", "s3://cli-bucket");
  await aws("s3", "cp", join(tree, "x-one.txt"), "s3://cli-bucket/single/x-one.txt");
  await aws("s3", "cp", tree, "s3://cli-bucket/rel/", "--recursive", "--exclude", "*", "--include", "x*");
  await aws("s3", "cp", join(work, "big.bin"), "s3://cli-bucket/big.bin");

  const s3 = ep.client();
  const keys = async (prefix = "") =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: "cli-bucket", Prefix: prefix }))).Contents ?? []).map(
      (c) => c.Key,
    );
  // --include "x*" matches relative paths, so sub/x-nested.txt is excluded; the filter ran client-side.
  assert.deepEqual(await keys("rel/"), ["rel/x two+plus%.txt", "rel/x-one.txt"]);
  assert.deepEqual(await keys("single/"), ["single/x-one.txt"]);
  const bigHead = (await s3.send(new ListObjectsV2Command({ Bucket: "cli-bucket", Prefix: "big" })))
    .Contents?.[0];
  assert.equal(bigHead?.Size, big.length);
  assert.match(bigHead?.ETag ?? "", /-2"$/, "uploaded as a 2-part multipart upload");

  await aws("s3", "cp", "s3://cli-bucket/big.bin", join(work, "big.copy"));
  assert.ok((await readFile(join(work, "big.copy"))).equals(big));

  await aws("s3", "rm", "s3://cli-bucket/", "--recursive");
  assert.deepEqual(await keys(), []);
  await aws("s3", "rb", "s3://cli-bucket");
  assert.deepEqual(
    await s3.send(new ListObjectsV2Command({ Bucket: "cli-bucket" })).catch((e: Error) => e.name),
    "NoSuchBucket",
  );
});
