import { test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";
import { ArtifactStore, jobDirectory, safePath } from "../../src/artifacts/index.ts";

const locator: JobLocator = { pipeline: "build", counter: 3, stage: "package", stageCounter: 1, job: "jar" };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fawkes-artifacts-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const sha256 = (data: Buffer | string) => createHash("sha256").update(data).digest("hex");

const isCode = (code: string) => (error: unknown) => error instanceof FawkesError && error.code === code;

/** Files left anywhere under `dir`, relative, excluding the manifest. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/**
 * Live memory (JS heap plus Buffer backing stores) measured after a forced GC. Buffers live outside the JS
 * heap, so heapUsed alone would not notice a store that buffers a whole upload; collecting first removes
 * the noise of garbage not yet collected. Sampled at fixed points of the transfer (a GC takes milliseconds).
 */
function memoryProbe(): { sample(): void; growth(): number } {
  setFlagsFromString("--expose-gc");
  const gc = runInNewContext("gc") as () => void;
  const live = () => {
    gc();
    const usage = process.memoryUsage();
    return usage.heapUsed + usage.arrayBuffers;
  };
  const baseline = live();
  let peak = baseline;
  return {
    sample: () => void (peak = Math.max(peak, live())),
    growth: () => peak - baseline,
  };
}

/** `total` bytes in 64 KiB chunks, each freshly allocated, as a network body would arrive. */
function generatedBody(total: number, onMegabytes?: () => void): Readable {
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null);
      const size = Math.min(65536, total - sent);
      const chunk = Buffer.alloc(size, sent % 251);
      sent += size;
      if (onMegabytes && sent % (4 * 1024 * 1024) === 0) onMegabytes();
      this.push(chunk);
    },
  });
}

test("a 50 MB artifact streams in and out with flat memory", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root });
  const total = 50 * 1024 * 1024;
  const expectedHash = createHash("sha256");
  for await (const chunk of generatedBody(total)) expectedHash.update(chunk as Buffer);
  const expected = expectedHash.digest("hex");

  const memory = memoryProbe();

  const written = await store.write(locator, "dist/app.jar", generatedBody(total, memory.sample), expected);
  assert.deepEqual(written, { path: "dist/app.jar", size: total, sha256: expected });

  const readHash = createHash("sha256");
  let readBytes = 0;
  for await (const chunk of await store.createReadStream(locator, "dist/app.jar")) {
    readHash.update(chunk as Buffer);
    readBytes += (chunk as Buffer).length;
    if (readBytes % (4 * 1024 * 1024) < (chunk as Buffer).length) memory.sample();
  }
  assert.equal(readBytes, total);
  assert.equal(readHash.digest("hex"), expected);
  const growth = memory.growth();
  assert.ok(growth < 20 * 1024 * 1024, `memory grew by ${growth} bytes`);
});

test("stat and list come from the manifest, filtered by directory prefix", async (t) => {
  const store = new ArtifactStore({ root: await tempDir(t) });
  await store.write(locator, "reports/junit.xml", Readable.from([Buffer.from("<xml/>")]), null);
  await store.write(locator, "./reports//coverage/index.html", Readable.from(["<html/>"]), null);
  await store.write(locator, "reportsX.txt", Readable.from(["x"]), null);
  await store.write(locator, "reports/junit.xml", Readable.from(["<xml>2</xml>"]), null);

  assert.deepEqual(await store.stat(locator, "reports/junit.xml"), {
    path: "reports/junit.xml",
    size: 12,
    sha256: sha256("<xml>2</xml>"),
  });
  assert.equal(await store.stat(locator, "missing.txt"), null);
  assert.deepEqual(
    (await store.list(locator, "reports/")).map((file) => file.path),
    ["reports/coverage/index.html", "reports/junit.xml"],
  );
  assert.deepEqual(
    (await store.list(locator)).map((file) => file.path),
    ["reports/coverage/index.html", "reports/junit.xml", "reportsX.txt"],
  );
  assert.deepEqual(await store.list({ ...locator, job: "other" }), []);
  await assert.rejects(store.createReadStream(locator, "missing.txt"), isCode(ErrorCode.artifactNotFound));
  await assert.rejects(store.createReadStream(locator, "reports"), isCode(ErrorCode.artifactNotFound));

  await store.remove(locator);
  assert.deepEqual(await store.list(locator), []);
  assert.equal(await store.stat(locator, "reportsX.txt"), null);
});

test("a checksum mismatch keeps nothing", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root });
  await assert.rejects(
    store.write(locator, "app.jar", Readable.from(["content"]), sha256("other content")),
    isCode(ErrorCode.checksumMismatch),
  );
  assert.deepEqual(await filesUnder(root), []);
  assert.deepEqual(await store.list(locator), []);

  // Upper-case hex from a client is the same checksum.
  const file = await store.write(
    locator,
    "app.jar",
    Readable.from(["content"]),
    sha256("content").toUpperCase(),
  );
  assert.equal(file.sha256, sha256("content"));
});

test("an upload over the size limit or a failing body leaves no temp file", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root, maxFileBytes: 100_000 });
  await assert.rejects(
    store.write(locator, "big.bin", generatedBody(200_000), null),
    isCode(ErrorCode.payloadTooLarge),
  );
  const failing = new Readable({
    read() {
      this.destroy(new Error("client went away"));
    },
  });
  await assert.rejects(store.write(locator, "cut.bin", failing, null), /client went away/);
  assert.deepEqual(await filesUnder(root), []);
});

test("path escapes are rejected before anything is written", async (t) => {
  const dataDir = await tempDir(t);
  const root = join(dataDir, "artifacts");
  const outside = join(dataDir, "outside");
  await mkdir(outside);
  const jobDir = jobDirectory(root, locator);
  await mkdir(jobDir, { recursive: true });
  await symlink(outside, join(jobDir, "link"));
  await symlink(join(outside, "secret"), join(jobDir, "file-link"));
  await writeFile(join(outside, "secret"), "secret");
  const store = new ArtifactStore({ root });

  const attempts = [
    "../x",
    "/etc/passwd",
    "a/../../x",
    "a\\..\\x",
    "a/\0/x",
    "",
    "link/x",
    "file-link",
    "a/..",
  ];
  for (const attempt of attempts) {
    assert.throws(() => safePath(jobDir, attempt), isCode(ErrorCode.pathEscape), attempt);
    await assert.rejects(
      store.write(locator, attempt, Readable.from(["x"]), null),
      isCode(ErrorCode.pathEscape),
    );
  }
  await assert.rejects(store.createReadStream(locator, "file-link"), isCode(ErrorCode.pathEscape));
  assert.deepEqual(await readdir(outside), ["secret"]);

  for (const bad of [
    { pipeline: ".." },
    { job: "a/b" },
    { stage: "a\\b" },
    { counter: 0 },
    { stageCounter: 1.5 },
  ]) {
    await assert.rejects(
      store.write({ ...locator, ...bad }, "x", Readable.from(["x"]), null),
      isCode(ErrorCode.pathEscape),
      JSON.stringify(bad),
    );
  }
  assert.equal(safePath(jobDir, "a/./b.txt"), join(jobDir, "a", "b.txt"));
  await assert.rejects(
    store.write(locator, ".fawkes-manifest.jsonl", Readable.from(["x"]), null),
    isCode(ErrorCode.badRequest),
  );
});

test("concurrent writers to one path end with one complete file that matches the manifest", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root });
  const bodies = Array.from({ length: 6 }, (_, index) => Buffer.alloc(300_000 + index * 1000, 65 + index));
  const slowBody = (data: Buffer) => Readable.from(chunksOf(data, 16384));
  const results = await Promise.all(
    bodies.map((body) => store.write(locator, "out/app.bin", slowBody(body), null)),
  );
  assert.equal(new Set(results.map((result) => result.sha256)).size, bodies.length);

  const onDisk = await readFile(join(jobDirectory(root, locator), "out", "app.bin"));
  assert.ok(
    bodies.some((body) => body.equals(onDisk)),
    "the file is exactly one writer's content",
  );
  assert.deepEqual(await store.stat(locator, "out/app.bin"), {
    path: "out/app.bin",
    size: onDisk.length,
    sha256: sha256(onDisk),
  });
  assert.deepEqual(await filesUnder(root), [
    "build/3/package/1/jar/.fawkes-manifest.jsonl",
    "build/3/package/1/jar/out/app.bin",
  ]);
});

function* chunksOf(data: Buffer, size: number): Generator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}
