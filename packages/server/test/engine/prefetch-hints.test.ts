import assert from "node:assert/strict";
import test from "node:test";
import { PrefetchHints } from "../../src/engine/prefetch-hints.ts";

const url = "https://git.example/app.git";
const other = "https://git.example/other.git";
const sha = "a".repeat(40);
const idle = ["agent-1", "agent-2", "agent-3", "agent-4"];

test("a push is told to as many idle agents as it can give jobs, in their order", () => {
  const hints = new PrefetchHints();
  assert.deepEqual(hints.recipients(idle, url, undefined, 2, 1_000), ["agent-1", "agent-2"]);
  assert.deepEqual(hints.recipients(idle, other, undefined, Infinity, 1_000), idle);
  assert.deepEqual(hints.recipients(idle, url, undefined, 0, 1_000), [], "no job to start, no fetch");
});

test("the revision a push brought is told only to make up the number, never again to those told of the push", () => {
  const hints = new PrefetchHints();
  hints.recipients(idle, url, undefined, 1, 1_000);
  assert.deepEqual(hints.recipients(idle, url, sha, 1, 1_040), [], "agent-1 fetched after the push");
  assert.deepEqual(hints.recipients(idle, url, sha, 3, 1_040), ["agent-2", "agent-3"]);
  assert.deepEqual(
    hints.recipients(["agent-4"], url, sha, 3, 9_000),
    ["agent-4"],
    "long after the push, a revision is news again",
  );
});

test("an agent told of a repository's news stays warm for a few seconds", () => {
  const hints = new PrefetchHints();
  hints.recipients(idle, url, undefined, 1, 1_000);
  assert.equal(hints.warm("agent-1", [other, url], 2_000), true);
  assert.equal(hints.warm("agent-2", [url], 2_000), false, "not told");
  assert.equal(hints.warm("agent-1", [other], 2_000), false, "another repository");
  assert.equal(hints.warm("agent-1", [url], 7_000), false, "too long ago");
});

test("agents that checked the repository out before are told first", () => {
  const hints = new PrefetchHints();
  hints.checkedOut("agent-3", [url]);
  hints.checkedOut("agent-4", [other]);
  assert.deepEqual(hints.recipients(idle, url, undefined, 2, 1_000), ["agent-3", "agent-1"]);
});
