import assert from "node:assert/strict";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import {
  HeadObjectCommand,
  ListBucketsCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { tempDir } from "./helpers.ts";
import { ADMIN, startS3Fixture } from "./s3-helpers.ts";

async function keysOf(client: S3Client, bucket: string): Promise<string[]> {
  const page = await client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (page.Contents ?? []).map((object) => object.Key ?? "").sort();
}

function writeTree(root: string, files: Record<string, string>): void {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, ".."), { recursive: true });
    writeFileSync(join(root, path), content);
  }
}

test("mb, ls, cp up and down, presign, rm and rb behave like aws s3", async (t) => {
  const s3 = await startS3Fixture(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, "a.txt"), "hello artifact\n");
  writeFileSync(join(dir, "b.json"), '{"ok":true}');

  assert.deepEqual(await s3.s3(["mb", "s3://artifacts"]), {
    code: 0,
    stdout: "make_bucket: artifacts\n",
    stderr: "",
  });
  assert.match((await s3.s3(["ls"])).stdout, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d artifacts\n$/);

  const up = await s3.s3(["cp", join(dir, "a.txt"), "s3://artifacts/builds/a.txt"]);
  assert.deepEqual(up, {
    code: 0,
    stdout: `upload: ${dir}/a.txt to s3://artifacts/builds/a.txt\n`,
    stderr: "",
  });
  // A destination ending with "/" receives the file's name; the Content-Type is guessed from the extension.
  assert.equal((await s3.s3(["cp", join(dir, "b.json"), "s3://artifacts/builds/"])).code, 0);
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: "artifacts", Key: "builds/b.json" }));
  assert.equal(head.ContentType, "application/json");

  const top = await s3.s3(["ls", "s3://artifacts"]);
  assert.equal(top.stdout, `${" ".repeat(27)}PRE builds/\n`);
  const inside = await s3.s3(["ls", "s3://artifacts/builds/"]);
  assert.match(
    inside.stdout,
    /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {9}15 a\.txt\n\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {9}11 b\.json\n$/,
  );
  const summary = await s3.s3(["ls", "s3://artifacts", "--recursive", "--summarize", "--human-readable"]);
  assert.match(summary.stdout, / 15 Bytes builds\/a\.txt\n/);
  assert.match(summary.stdout, /\nTotal Objects: 2\n {3}Total Size: 26 Bytes\n$/);
  const json = JSON.parse((await s3.s3(["ls", "s3://artifacts/builds/", "--json"])).stdout) as {
    objects: { key: string; size: number }[];
    totalSize: number;
  };
  assert.deepEqual(
    json.objects.map((o) => [o.key, o.size]),
    [
      ["builds/a.txt", 15],
      ["builds/b.json", 11],
    ],
  );
  assert.equal(
    (await s3.s3(["ls", "s3://artifacts/nothing-here"])).code,
    1,
    "an empty prefix exits 1 as in awscli",
  );

  const downloads = join(dir, "downloads");
  mkdirSync(downloads);
  const down = await s3.s3(["cp", "s3://artifacts/builds/a.txt", downloads]);
  assert.equal(down.stdout, `download: s3://artifacts/builds/a.txt to ${downloads}/a.txt\n`);
  assert.equal(readFileSync(join(downloads, "a.txt"), "utf8"), "hello artifact\n");
  const object = await s3.client.send(new HeadObjectCommand({ Bucket: "artifacts", Key: "builds/a.txt" }));
  assert.equal(
    Math.floor(statSync(join(downloads, "a.txt")).mtimeMs / 1000),
    Math.floor((object.LastModified as Date).getTime() / 1000),
    "a download takes the object's LastModified as mtime",
  );

  const presigned = await s3.s3(["presign", "s3://artifacts/builds/a.txt", "--expires-in", "60"]);
  assert.equal(presigned.code, 0);
  assert.match(presigned.stdout, /X-Amz-Expires=60/);
  const fetched = await fetch(presigned.stdout.trim());
  assert.equal(fetched.status, 200);
  assert.equal(await fetched.text(), "hello artifact\n");
  const missing = await fetch((await s3.s3(["presign", "s3://artifacts/builds/none"])).stdout.trim());
  assert.equal(missing.status, 404);
  await missing.arrayBuffer();

  assert.equal(
    (await s3.s3(["cp", "s3://artifacts/builds/a.txt", "s3://artifacts/copy/a.txt"])).stdout,
    "copy: s3://artifacts/builds/a.txt to s3://artifacts/copy/a.txt\n",
  );
  assert.equal(
    (await s3.s3(["rm", "s3://artifacts/builds/a.txt"])).stdout,
    "delete: s3://artifacts/builds/a.txt\n",
  );
  assert.deepEqual(await keysOf(s3.client, "artifacts"), ["builds/b.json", "copy/a.txt"]);

  const notEmpty = await s3.s3(["rb", "s3://artifacts"]);
  assert.equal(notEmpty.code, 1);
  assert.match(notEmpty.stderr, /remove_bucket failed: s3:\/\/artifacts: BucketNotEmpty: .*\n.*--force/);
  const forced = await s3.s3(["rb", "s3://artifacts", "--force"]);
  assert.equal(forced.code, 0, forced.stderr);
  assert.match(forced.stdout, /delete: s3:\/\/artifacts\/builds\/b\.json\n/);
  assert.match(forced.stdout, /remove_bucket: artifacts\n$/);
  assert.deepEqual((await s3.client.send(new ListBucketsCommand({}))).Buckets ?? [], []);
});

test("cp --recursive keeps what --exclude/--include select, in order, with * crossing /", async (t) => {
  const s3 = await startS3Fixture(t);
  const dir = tempDir(t);
  const packages = join(dir, "packages");
  writeTree(packages, {
    "app-1.tgz": "one",
    "app-2.tgz": "two",
    "application-7.jar": "jar",
    "notes.txt": "notes",
    "lib/dep.jar": "dep",
    "lib/app-3.tgz": "nested",
  });
  await s3.s3(["mb", "s3://builds"]);
  const published = await s3.s3([
    "cp",
    packages,
    "s3://builds/",
    "--recursive",
    "--exclude",
    "*",
    "--include",
    "app-*",
  ]);
  assert.equal(published.code, 0, published.stderr);
  assert.deepEqual(await keysOf(s3.client, "builds"), ["app-1.tgz", "app-2.tgz"]);
  assert.deepEqual(published.stdout.split("\n").filter(Boolean).sort(), [
    `upload: ${packages}/app-1.tgz to s3://builds/app-1.tgz`,
    `upload: ${packages}/app-2.tgz to s3://builds/app-2.tgz`,
  ]);

  // `*` matches across "/", and a later --exclude wins over an earlier --include.
  const jars = await s3.s3([
    "cp",
    packages,
    "s3://builds/jars",
    "--recursive",
    "--exclude",
    "*",
    "--include",
    "*.jar",
    "--exclude",
    "application-*",
  ]);
  assert.equal(jars.code, 0, jars.stderr);
  assert.deepEqual(await keysOf(s3.client, "builds"), ["app-1.tgz", "app-2.tgz", "jars/lib/dep.jar"]);

  const all = await s3.s3(["cp", packages, "s3://builds/all/", "--recursive", "--quiet"]);
  assert.deepEqual(all, { code: 0, stdout: "", stderr: "" });
  const copied = await s3.s3([
    "cp",
    "s3://builds/all",
    "s3://builds/again",
    "--recursive",
    "--exclude",
    "lib/*",
  ]);
  assert.equal(copied.code, 0, copied.stderr);
  const back = join(dir, "back");
  const downloaded = await s3.s3(["cp", "s3://builds/again/", back, "--recursive"]);
  assert.equal(downloaded.code, 0, downloaded.stderr);
  assert.match(downloaded.stdout, new RegExp(`download: s3://builds/again/notes.txt to ${back}/notes.txt\n`));
  for (const name of ["app-1.tgz", "app-2.tgz", "application-7.jar", "notes.txt"])
    assert.equal(readFileSync(join(back, name), "utf8"), readFileSync(join(packages, name), "utf8"));
  assert.throws(() => statSync(join(back, "lib")), /ENOENT/);
});

test("sync transfers only what changed, both ways; --delete removes extras; rm --recursive honours filters", async (t) => {
  const s3 = await startS3Fixture(t);
  const dir = tempDir(t);
  const site = join(dir, "site");
  writeTree(site, { "index.html": "<h1>v1</h1>", "css/site.css": "body{}", "img/logo.svg": "<svg/>" });
  await s3.s3(["mb", "s3://web"]);

  const first = await s3.s3(["sync", site, "s3://web/site"]);
  assert.equal(first.code, 0, first.stderr);
  assert.equal(first.stdout.split("\n").filter((line) => line.startsWith("upload: ")).length, 3);
  assert.deepEqual(await s3.s3(["sync", site, "s3://web/site"]), { code: 0, stdout: "", stderr: "" });

  writeFileSync(join(site, "index.html"), "<h1>version 2</h1>");
  assert.equal(
    (await s3.s3(["sync", site, "s3://web/site"])).stdout,
    `upload: ${site}/index.html to s3://web/site/index.html\n`,
  );

  const mirror = join(dir, "mirror");
  const down = await s3.s3(["sync", "s3://web/site", mirror]);
  assert.equal(down.stdout.split("\n").filter((line) => line.startsWith("download: ")).length, 3);
  assert.equal(readFileSync(join(mirror, "index.html"), "utf8"), "<h1>version 2</h1>");
  assert.deepEqual(await s3.s3(["sync", "s3://web/site", mirror]), { code: 0, stdout: "", stderr: "" });

  // --delete: the object whose file is gone is deleted, except where a filter excludes it.
  writeFileSync(join(site, "keep.log"), "log");
  await s3.s3(["sync", site, "s3://web/site"]);
  rmSync(join(site, "img"), { recursive: true });
  rmSync(join(site, "keep.log"));
  const pruned = await s3.s3(["sync", site, "s3://web/site", "--delete", "--exclude", "*.log"]);
  assert.equal(pruned.stdout, "delete: s3://web/site/img/logo.svg\n");
  assert.deepEqual(await keysOf(s3.client, "web"), ["site/css/site.css", "site/index.html", "site/keep.log"]);
  writeFileSync(join(mirror, "stray.txt"), "local only");
  const localPrune = await s3.s3(["sync", "s3://web/site", mirror, "--delete"]);
  assert.match(localPrune.stdout, new RegExp(`delete: ${mirror}/stray.txt\n`));
  assert.match(localPrune.stdout, new RegExp(`delete: ${mirror}/img/logo.svg\n`));

  const removed = await s3.s3(["rm", "s3://web/site", "--recursive", "--exclude", "*.css"]);
  assert.equal(removed.code, 0, removed.stderr);
  assert.deepEqual(removed.stdout.split("\n").filter(Boolean).sort(), [
    "delete: s3://web/site/index.html",
    "delete: s3://web/site/keep.log",
  ]);
  assert.deepEqual(await keysOf(s3.client, "web"), ["site/css/site.css"]);
});

test("errors name the S3 code and exit 1; missing settings say what to set", async (t) => {
  const s3 = await startS3Fixture(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, "a.txt"), "a");

  const upload = await s3.s3(["cp", join(dir, "a.txt"), "s3://no-such-bucket/a.txt"]);
  assert.equal(upload.code, 1);
  assert.equal(upload.stdout, "");
  assert.match(upload.stderr, /^upload failed: .*a\.txt to s3:\/\/no-such-bucket\/a\.txt: NoSuchBucket: /);
  const listing = await s3.s3(["ls", "s3://no-such-bucket"]);
  assert.equal(listing.code, 1);
  assert.match(
    listing.stderr,
    /^fawkes: cannot list s3:\/\/no-such-bucket\/: NoSuchBucket: .* \[FAWKES_NOT_FOUND\]\n$/,
  );
  await s3.s3(["mb", "s3://bkt"]);
  const missingKey = await s3.s3(["cp", "s3://bkt/none.txt", dir]);
  assert.equal(missingKey.code, 1);
  assert.match(missingKey.stderr, /cannot read s3:\/\/bkt\/none\.txt: NotFound/);
  const exists = await s3.s3(["mb", "s3://bkt"]);
  assert.equal(exists.code, 1);
  assert.match(exists.stderr, /make_bucket failed: s3:\/\/bkt: BucketAlreadyOwnedByYou/);

  const wrongSecret = await s3.s3(["ls"], { env: { AWS_SECRET_ACCESS_KEY: "not-the-secret" } });
  assert.equal(wrongSecret.code, 1);
  assert.match(wrongSecret.stderr, /SignatureDoesNotMatch/);

  const xdg = tempDir(t);
  const noKeys = await s3.s3(["ls"], {
    replaceEnv: true,
    env: { AWS_ENDPOINT_URL: s3.url, XDG_CONFIG_HOME: xdg },
  });
  assert.equal(noKeys.code, 1);
  assert.match(
    noKeys.stderr,
    /^fawkes: no S3 credentials found \[FAWKES_UNAUTHORIZED\]\nset AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/,
  );
  const half = await s3.s3(["ls"], {
    replaceEnv: true,
    env: { AWS_ENDPOINT_URL: s3.url, AWS_ACCESS_KEY_ID: "x", XDG_CONFIG_HOME: xdg },
  });
  assert.match(half.stderr, /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together/);
  const noEndpoint = await s3.s3(["ls"], { replaceEnv: true, env: { XDG_CONFIG_HOME: xdg } });
  assert.equal(noEndpoint.code, 1);
  assert.match(noEndpoint.stderr, /no S3 endpoint configured .*\n.*--endpoint-url/);
});

test("the endpoint and key saved for --server are used when nothing else is set; flags beat env", async (t) => {
  const s3 = await startS3Fixture(t);
  const xdg = tempDir(t);
  const server = "http://127.0.0.1:1";
  mkdirSync(join(xdg, "fawkes"));
  writeFileSync(
    join(xdg, "fawkes", "credentials.json"),
    JSON.stringify({
      [server]: {
        token: "t",
        dataDir: "/nowhere",
        savedAt: Date.now(),
        cloudUrl: s3.url,
        accessKeyId: ADMIN.accessKeyId,
        secretAccessKey: ADMIN.secretAccessKey,
      },
    }),
  );
  const saved = await s3.s3(["mb", "s3://from-saved", "--server", server], {
    replaceEnv: true,
    env: { XDG_CONFIG_HOME: xdg },
  });
  assert.deepEqual(saved, { code: 0, stdout: "make_bucket: from-saved\n", stderr: "" });

  const flags = await s3.s3(
    [
      "ls",
      "--endpoint-url",
      s3.url,
      "--access-key-id",
      ADMIN.accessKeyId,
      "--secret-access-key",
      ADMIN.secretAccessKey,
    ],
    { env: { AWS_ENDPOINT_URL: "http://127.0.0.1:1", AWS_SECRET_ACCESS_KEY: "wrong" } },
  );
  assert.equal(flags.code, 0, flags.stderr);
  assert.match(flags.stdout, / from-saved\n$/);
});
