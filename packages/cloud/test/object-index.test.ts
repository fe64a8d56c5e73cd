import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { ObjectIndex, successor } from "../src/storage/object-index.ts";

async function withIndex(t: TestContext, keys: string[]): Promise<ObjectIndex> {
  const dir = await mkdtemp(join(tmpdir(), "fawkes-index-"));
  const index = new ObjectIndex(join(dir, "index.sqlite"));
  t.after(async () => {
    index.close();
    await rm(dir, { recursive: true, force: true });
  });
  for (const key of keys)
    index.put({
      key,
      file: "f",
      size: 1,
      etag: '"e"',
      lastModified: 0,
      contentType: "x",
      headers: {},
      userMetadata: {},
    });
  return index;
}

/** Pages through the index as a client would, following the last returned entry as the marker. */
function listAll(index: ObjectIndex, prefix: string, delimiter: string, maxKeys: number) {
  const entries: string[] = [];
  let after = "";
  for (let pages = 0; pages < 100_000; pages++) {
    const page = index.list({ prefix, delimiter, after, maxKeys });
    entries.push(...page.contents.map((c) => c.key), ...page.commonPrefixes);
    if (!page.isTruncated) return { entries, pages: pages + 1 };
    after = page.last!;
  }
  throw new Error("listing did not end");
}

test("successor() bounds a prefix in UTF-8 byte order", () => {
  assert.equal(successor("a/"), "a0");
  assert.equal(successor("abc"), "abd");
  assert.ok(Buffer.compare(Buffer.from("a/\u{10ffff}zzz"), Buffer.from(successor("a/"))) < 0);
});

test("listing with delimiter across the 1000-row batch boundary never repeats or drops an entry", async (t) => {
  const keys: string[] = [];
  for (let i = 0; i < 1500; i++) keys.push(`big/${String(i).padStart(5, "0")}`);
  for (let d = 0; d < 30; d++)
    for (let i = 0; i < 40; i++) keys.push(`dir${String(d).padStart(2, "0")}/f${i}`);
  keys.push("top1", "top2", "z/", "z//double");
  const index = await withIndex(t, keys);
  for (const maxKeys of [1, 7, 1000]) {
    const { entries } = listAll(index, "", "/", maxKeys);
    const expected = [
      "big/",
      ...Array.from({ length: 30 }, (_, d) => `dir${String(d).padStart(2, "0")}/`),
      "top1",
      "top2",
      "z/",
    ];
    assert.deepEqual([...entries].sort(), expected.sort(), `maxKeys ${maxKeys}`);
  }
  const inBig = listAll(index, "big/", "/", 1000);
  assert.equal(inBig.entries.length, 1500);
  assert.equal(inBig.pages, 2);
  const zz = listAll(index, "z/", "/", 1000);
  assert.deepEqual(zz.entries.sort(), ["z/", "z//"]);
});

test("100,000 keys list in order, in pages of 1000 (its speed is bench/cloud's list figure)", async (t) => {
  const keys = Array.from({ length: 100_000 }, (_, i) => `k/${i.toString(36).padStart(4, "0")}`);
  const index = await withIndex(t, []);
  // Bulk insert through the same put() the endpoint uses would take a while; one transaction keeps setup fast.
  const db = (
    index as unknown as {
      db: { exec(sql: string): void; prepare(sql: string): { run(...a: unknown[]): void } };
    }
  ).db;
  db.exec("BEGIN");
  const insert = db.prepare(
    "INSERT INTO objects (key, file, size, etag, last_modified, meta) VALUES (?, 'f', 1, '\"e\"', 0, ?)",
  );
  const meta = JSON.stringify({ contentType: "x", headers: {}, userMetadata: {} });
  for (const key of keys) insert.run(key, meta);
  db.exec("COMMIT");
  const { entries, pages } = listAll(index, "", "", 1000);
  assert.equal(pages, 100);
  assert.deepEqual(entries, [...keys].sort());
});

test("deleteIf removes a key only while the given data file is its current version", async (t) => {
  const index = await withIndex(t, ["k"]);
  const record = {
    key: "k",
    size: 2,
    etag: '"n"',
    lastModified: 1,
    contentType: "x",
    headers: {},
    userMetadata: {},
  };
  index.put({ ...record, file: "newer" });
  assert.equal(index.deleteIf("k", "f"), false, "a replaced version is not deleted");
  assert.equal(index.get("k")?.file, "newer");
  assert.equal(index.deleteIf("k", "newer"), true);
  assert.equal(index.get("k"), undefined);
  assert.equal(index.deleteIf("k", "newer"), false);
});

test("listings carry the stored checksum's algorithm and type without the object metadata", async (t) => {
  const index = await withIndex(t, []);
  index.put({
    key: "c",
    file: "f",
    size: 3,
    etag: '"e"',
    lastModified: 5,
    contentType: "text/plain",
    headers: { "cache-control": "no-cache" },
    userMetadata: { a: "b" },
    checksum: { algorithm: "crc32", value: "AAAAAA==", type: "FULL_OBJECT" },
  });
  const page = index.list({ prefix: "", delimiter: "", after: "", maxKeys: 10 });
  assert.deepEqual(page.contents, [
    {
      key: "c",
      file: "f",
      size: 3,
      etag: '"e"',
      lastModified: 5,
      checksum: { algorithm: "crc32", type: "FULL_OBJECT" },
    },
  ]);
});
