import assert from "node:assert/strict";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { CreateBucketCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { awsCli } from "./awscli.ts";
import { startTestEndpoint } from "./helpers.ts";

test("awscli: sync twice (second run uploads nothing), ls, recursive download, s3-to-s3 copy", async (t) => {
  const ep = await startTestEndpoint(t);
  const work = await mkdtemp(join(tmpdir(), "fawkes-awscli-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const aws = awsCli(ep.url, work);
  const s3 = ep.client();
  await s3.send(new CreateBucketCommand({ Bucket: "cli-sync" }));
  const tree = join(work, "tree");
  await mkdir(join(tree, "sub"), { recursive: true });
  await writeFile(join(tree, "x-one.txt"), "one");
  await writeFile(join(tree, "x two+plus%.txt"), "two");
  await writeFile(join(tree, "sub", "x-nested.txt"), "nested");
  const keys = async (prefix = "") =>
    ((await s3.send(new ListObjectsV2Command({ Bucket: "cli-sync", Prefix: prefix }))).Contents ?? []).map(
      (c) => c.Key,
    );

  const first = await aws("s3", "sync", tree, "s3://cli-sync/synced/");
  assert.match(first.stdout, /upload:/);
  const second = await aws("s3", "sync", tree, "s3://cli-sync/synced/");
  assert.equal(second.stdout.trim(), "", "second sync uploads nothing");
  assert.deepEqual(await keys("synced/"), [
    "synced/sub/x-nested.txt",
    "synced/x two+plus%.txt",
    "synced/x-one.txt",
  ]);

  const ls = await aws("s3", "ls", "s3://cli-sync/synced/");
  assert.match(ls.stdout, /x two\+plus%\.txt/);
  assert.match(ls.stdout, /PRE sub\//);

  await aws("s3", "cp", "s3://cli-sync/synced/", join(work, "down"), "--recursive");
  assert.equal(await readFile(join(work, "down", "x two+plus%.txt"), "utf8"), "two");
  assert.equal(await readFile(join(work, "down", "sub", "x-nested.txt"), "utf8"), "nested");

  await aws("s3", "cp", "s3://cli-sync/synced/x two+plus%.txt", "s3://cli-sync/copied.txt");
  assert.ok((await keys()).includes("copied.txt"));
});

test("awscli reports S3 errors by code: 404 on head-bucket, NoSuchBucket on list", async (t) => {
  const ep = await startTestEndpoint(t);
  const work = await mkdtemp(join(tmpdir(), "fawkes-awscli-"));
  t.after(() => rm(work, { recursive: true, force: true }));
  const aws = awsCli(ep.url, work);
  await assert.rejects(aws("s3api", "head-bucket", "--bucket", "missing-bucket"), (e: { stderr: string }) =>
    /404/.test(e.stderr),
  );
  await assert.rejects(
    aws("s3api", "list-objects-v2", "--bucket", "missing-bucket"),
    (e: { stderr: string }) => /NoSuchBucket/.test(e.stderr),
  );
});
