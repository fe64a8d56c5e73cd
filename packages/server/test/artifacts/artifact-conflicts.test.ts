/**
 * Artifact uploads that collide with the job's existing tree answer 409 (not a 500 EISDIR), and the temp
 * files of uploads cut short by a killed server are swept at the next start, while live ones are kept.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { test, type TestContext } from "node:test";
import { ErrorCode, FawkesError, type JobLocator } from "@fawkes/protocol";
import { ArtifactStore, jobDirectory } from "../../src/artifacts/index.ts";

const locator: JobLocator = { pipeline: "build", counter: 1, stage: "package", stageCounter: 1, job: "jar" };

async function tempDir(t: TestContext): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "fawkes-artifact-conflicts-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

const conflict = (error: unknown) =>
  error instanceof FawkesError &&
  error.code === ErrorCode.artifactPathConflict &&
  error.status === 409 &&
  /directory|under one of its files/.test(error.message);

test("an upload onto an existing directory, or under an existing file, is a 409 that changes nothing", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root });
  await store.write(locator, "dist/app.jar", Readable.from([Buffer.from("jar")]), null);
  await store.write(locator, "report.txt", Readable.from([Buffer.from("ok")]), null);
  const before = await store.list(locator);

  await assert.rejects(store.write(locator, "dist", Readable.from([Buffer.from("x")]), null), conflict);
  await assert.rejects(
    store.write(locator, "report.txt/inner", Readable.from([Buffer.from("x")]), null),
    conflict,
  );

  assert.deepEqual(await store.list(locator), before, "the manifest is unchanged");
  const jobDir = jobDirectory(root, locator);
  assert.deepEqual((await readdir(jobDir)).sort(), [".fawkes-manifest.jsonl", "dist", "report.txt"].sort());
  assert.deepEqual(await readdir(join(jobDir, "dist")), ["app.jar"], "no temp file is left behind");
});

test("artifacts and their directories are private to the server's user", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root });
  await store.write(locator, "deep/dir/file.txt", Readable.from([Buffer.from("x")]), null);
  const jobDir = jobDirectory(root, locator);
  assert.equal((await stat(join(jobDir, "deep/dir/file.txt"))).mode & 0o777, 0o600);
  assert.equal((await stat(join(jobDir, "deep/dir"))).mode & 0o777, 0o700);
  assert.equal((await stat(join(root, "build"))).mode & 0o777, 0o700);
});

test("leftover upload temp files older than the start are swept; live ones and look-alike artifacts stay", async (t) => {
  const root = await tempDir(t);
  const store = new ArtifactStore({ root });
  // An artifact that happens to be named like a temp file is listed in the manifest: it stays.
  await store.write(locator, "out/.tmp-0123456789abcdef", Readable.from([Buffer.from("real")]), null);
  const jobDir = jobDirectory(root, locator);
  const stale = join(jobDir, "out", ".tmp-aaaaaaaaaaaaaaaa");
  const staleTop = join(jobDir, ".tmp-bbbbbbbbbbbbbbbb");
  const live = join(jobDir, "out", ".tmp-cccccccccccccccc");
  await mkdir(join(jobDir, "out"), { recursive: true });
  for (const file of [stale, staleTop, live]) await writeFile(file, "partial");
  const startedAt = Date.now();
  const past = new Date(startedAt - 60_000);
  for (const file of [stale, staleTop, join(jobDir, "out", ".tmp-0123456789abcdef")])
    await utimes(file, past, past);
  await utimes(live, new Date(startedAt + 1000), new Date(startedAt + 1000));

  assert.equal(await store.sweepTempFiles(startedAt), 2);
  assert.deepEqual((await readdir(join(jobDir, "out"))).sort(), [
    ".tmp-0123456789abcdef",
    ".tmp-cccccccccccccccc",
  ]);
  assert.deepEqual((await readdir(jobDir)).sort(), [".fawkes-manifest.jsonl", "out"]);
  assert.equal(await store.sweepTempFiles(startedAt), 0, "a second sweep finds nothing");
  assert.equal(await new ArtifactStore({ root: join(root, "missing") }).sweepTempFiles(startedAt), 0);
});
