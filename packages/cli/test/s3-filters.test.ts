import assert from "node:assert/strict";
import { test } from "node:test";
import { collectFilter, compileFilters, globToRegExp } from "../src/commands/s3/filters.ts";
import { humanReadableSize } from "../src/commands/s3/format.ts";
import { childLocation } from "../src/commands/s3/plan.ts";
import { needsTransfer } from "../src/commands/s3/sync.ts";

test("globs are fnmatch patterns: * crosses /, ? is one character, [seq] and [!seq] are classes", () => {
  assert.ok(globToRegExp("*").test("a/b/c.txt"));
  assert.ok(globToRegExp("*.jar").test("lib/app.jar"));
  assert.ok(!globToRegExp("app-*").test("other/app-1.jar"));
  assert.ok(globToRegExp("app-?.jar").test("app-1.jar"));
  assert.ok(!globToRegExp("app-?.jar").test("app-10.jar"));
  assert.ok(globToRegExp("v[0-9].txt").test("v7.txt"));
  assert.ok(!globToRegExp("v[!0-9].txt").test("v7.txt"));
  assert.ok(globToRegExp("a+b (1).txt").test("a+b (1).txt"), "regex characters are literal");
});

test("filters apply in command-line order across --exclude and --include; the last match wins", () => {
  const exclude = collectFilter("exclude");
  const include = collectFilter("include");
  // --exclude "*" --include "app-*" --exclude "app-*.tmp"
  let excludes = exclude("*", undefined);
  const includes = include("app-*", undefined);
  excludes = exclude("app-*.tmp", excludes);
  const keep = compileFilters(excludes, includes);
  assert.deepEqual(["app-1.jar", "app-1.tmp", "notes.txt", "dir/app-2.jar"].filter(keep), ["app-1.jar"]);
  assert.ok(compileFilters()("anything"), "no filters keep everything");
});

test("sizes print like awscli", () => {
  assert.equal(humanReadableSize(1), "1 Byte");
  assert.equal(humanReadableSize(1023), "1023 Bytes");
  assert.equal(humanReadableSize(1024), "1.0 KiB");
  assert.equal(humanReadableSize(12 * 1024 * 1024), "12.0 MiB");
  assert.equal(humanReadableSize(1.5 * 1024 ** 3), "1.5 GiB");
});

test("sync compares size, then modification time in whole seconds", () => {
  const entry = (size: number, modifiedMs: number) => ({ relativePath: "a", size, modifiedMs });
  assert.equal(needsTransfer(entry(1, 5_000), entry(2, 9_000)), true);
  assert.equal(needsTransfer(entry(1, 5_900), entry(1, 5_000)), false, "same second");
  assert.equal(needsTransfer(entry(1, 6_000), entry(1, 5_999)), true);
  assert.equal(needsTransfer(entry(1, 4_000), entry(1, 5_000)), false);
});

test("a key never maps outside the local target directory", () => {
  const dir = { type: "local" as const, path: "./out/" };
  assert.deepEqual(childLocation(dir, "a/./b//c.txt"), { type: "local", path: "./out/a/b/c.txt" });
  assert.equal(childLocation(dir, "../escape.txt"), undefined);
  assert.equal(childLocation(dir, "a/../../escape.txt"), undefined);
  assert.deepEqual(childLocation({ type: "s3", bucket: "b", key: "pre" }, "../x"), {
    type: "s3",
    bucket: "b",
    key: "pre/../x",
  });
});
