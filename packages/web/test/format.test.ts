import assert from "node:assert/strict";
import { test } from "node:test";
import { describeTrigger, jobState } from "../src/format/states.ts";
import { elapsed, formatAgo, formatBytes, formatDuration, shortRevision } from "../src/format/time.ts";

test("formats durations from seconds to days", () => {
  assert.equal(formatDuration(0), "0s");
  assert.equal(formatDuration(999), "0s");
  assert.equal(formatDuration(42_500), "42s");
  assert.equal(formatDuration(185_000), "3m 05s");
  assert.equal(formatDuration(2 * 3_600_000 + 7 * 60_000), "2h 07m");
  assert.equal(formatDuration(3 * 86_400_000 + 4 * 3_600_000), "3d 4h");
  assert.equal(formatDuration(-5), "0s");
  assert.equal(formatDuration(Number.NaN), "0s");
});

test("elapsed runs to now while unfinished and is undefined before the start", () => {
  assert.equal(elapsed(null, null, 5000), undefined);
  assert.equal(elapsed(1000, null, 5000), 4000);
  assert.equal(elapsed(1000, 3000, 5000), 2000);
  assert.equal(elapsed(6000, null, 5000), 0);
});

test("relative times read naturally", () => {
  const now = 1_000_000_000;
  assert.equal(formatAgo(now, now), "just now");
  assert.equal(formatAgo(now + 5000, now), "just now");
  assert.equal(formatAgo(now - 5000, now), "5 s ago");
  assert.equal(formatAgo(now - 3 * 60_000, now), "3 min ago");
  assert.equal(formatAgo(now - 2 * 3_600_000, now), "2 h ago");
  assert.equal(formatAgo(now - 4 * 86_400_000, now), "4 d ago");
});

test("revisions, sizes, triggers and job states in words", () => {
  assert.equal(shortRevision("a".repeat(40)), "aaaaaaaa");
  assert.equal(shortRevision("up/3/build/1"), "up/3/build/1");
  assert.equal(formatBytes(512), "512 B");
  assert.equal(formatBytes(1500), "1.5 kB");
  assert.equal(formatBytes(25_000_000), "25 MB");
  assert.equal(describeTrigger({ kind: "manual", user: "admin" }), "Manual by admin");
  assert.equal(describeTrigger({ kind: "material", user: "changes" }), "Material change");
  assert.equal(describeTrigger({ kind: "upstream", user: "build/3" }), "Upstream (build/3)");
  assert.equal(jobState({ state: "scheduled", result: "unknown" }), "scheduled");
  assert.equal(jobState({ state: "preparing", result: "unknown" }), "building");
  assert.equal(jobState({ state: "completed", result: "cancelled" }), "cancelled");
});
