import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { HeadObjectCommand } from "@aws-sdk/client-s3";
import { tempDir } from "./helpers.ts";
import { startS3Fixture } from "./s3-helpers.ts";

const MiB = 1024 * 1024;
/** Erase to the end of the line, escaped for a RegExp. */
const ERASE = `${String.fromCharCode(27)}\\[K`;

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

test("a 20 MiB file goes up in 8 MiB parts and comes back byte for byte, with progress on a terminal", async (t) => {
  const s3 = await startS3Fixture(t);
  const dir = tempDir(t);
  const big = join(dir, "big.bin");
  writeFileSync(big, randomBytes(20 * MiB));
  await s3.s3(["mb", "s3://large"]);

  const up = await s3.s3(["cp", big, "s3://large/big.bin"], { isTty: true });
  assert.equal(up.code, 0, up.stderr);
  const head = await s3.client.send(new HeadObjectCommand({ Bucket: "large", Key: "big.bin" }));
  assert.equal(head.ContentLength, 20 * MiB);
  assert.match(head.ETag ?? "", /-3"$/, "multipart: three parts of at most 8 MiB");
  // The progress line is redrawn in place (\r … erase to end of line) and cleared before the file's line.
  assert.match(
    up.stdout,
    new RegExp(
      `\\rCompleted [0-9.]+ (MiB|KiB|Bytes)/20\\.0 MiB \\([0-9.]+ (MiB|KiB|GiB|Bytes)/s\\) with 1 file\\(s\\) remaining${ERASE}`,
    ),
  );
  assert.match(up.stdout, new RegExp(`\\r${ERASE}upload: ${big} to s3://large/big.bin\\n`));
  assert.ok(up.stdout.endsWith("\r\u001b[K"), "the progress line is cleared at the end");

  const copy = join(dir, "copy.bin");
  const down = await s3.s3(["cp", "s3://large/big.bin", copy], { isTty: true });
  assert.equal(down.code, 0, down.stderr);
  assert.match(down.stdout, /Completed 20\.0 MiB\/20\.0 MiB .* with 0 file\(s\) remaining/);
  assert.equal(statSync(copy).size, 20 * MiB);
  assert.equal(await sha256(copy), await sha256(big));

  // Not on a terminal: one line per file and no progress line.
  const plain = await s3.s3(["cp", "s3://large/big.bin", join(dir, "plain.bin")]);
  assert.equal(plain.stdout, `download: s3://large/big.bin to ${join(dir, "plain.bin")}\n`);
  const quiet = await s3.s3(["cp", big, "s3://large/again.bin", "--quiet"], { isTty: true });
  assert.deepEqual(quiet, { code: 0, stdout: "", stderr: "" });
});

test("a download that fails leaves no temp file and keeps what was there", async (t) => {
  const s3 = await startS3Fixture(t);
  const dir = tempDir(t);
  writeFileSync(join(dir, "a.txt"), "original");
  await s3.s3(["mb", "s3://bkt"]);
  await s3.s3(["cp", join(dir, "a.txt"), "s3://bkt/x/a.txt"]);
  await s3.s3(["cp", join(dir, "a.txt"), "s3://bkt/x/b.txt"]);
  // The target "a.txt" is a non-empty directory: the rename into place fails after the body was written.
  const out = join(dir, "out");
  mkdirSync(join(out, "a.txt"), { recursive: true });
  writeFileSync(join(out, "a.txt", "inside"), "mine");
  const failed = await s3.s3(["cp", "s3://bkt/x", out, "--recursive"]);
  assert.equal(failed.code, 1);
  assert.match(failed.stderr, new RegExp(`^download failed: s3://bkt/x/a.txt to ${out}/a.txt: `));
  assert.equal(failed.stdout, `download: s3://bkt/x/b.txt to ${out}/b.txt\n`, "the other file still arrives");
  assert.deepEqual(readdirSync(out).sort(), ["a.txt", "b.txt"]);
  assert.deepEqual(readdirSync(join(out, "a.txt")), ["inside"]);

  // Wrong credentials: nothing is fetched and the local file is untouched (HEAD answers carry no error body).
  const denied = await s3.s3(["cp", "s3://bkt/x/a.txt", dir], { env: { AWS_SECRET_ACCESS_KEY: "wrong" } });
  assert.equal(denied.code, 1);
  assert.match(
    denied.stderr,
    /cannot read s3:\/\/bkt\/x\/a\.txt: Forbidden: access denied or wrong credentials \(403\)/,
  );
  assert.equal(readFileSync(join(dir, "a.txt"), "utf8"), "original");
});
