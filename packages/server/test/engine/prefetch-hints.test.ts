import assert from "node:assert/strict";
import test from "node:test";
import { PrefetchHints } from "../../src/engine/prefetch-hints.ts";

const url = "https://git.example/app.git";
const sha = "a".repeat(40);

test("an agent told of a push is not told again of the revision that push brought", () => {
  const hints = new PrefetchHints();
  assert.equal(hints.tell("agent-1", url, undefined, 1_000), true, "the push is told");
  assert.equal(hints.tell("agent-1", url, sha, 1_040), false, "its revision, 40 ms later, is not");
  assert.equal(hints.tell("agent-2", url, sha, 1_040), true, "an agent that was busy at the push is told");
  assert.equal(
    hints.tell("agent-1", "https://git.example/other.git", sha, 1_040),
    true,
    "another repository",
  );
  assert.equal(hints.tell("agent-1", url, sha, 7_000), true, "a revision long after the push is news");
});

test("pruning forgets only pushes too old to matter", () => {
  const hints = new PrefetchHints();
  hints.tell("agent-1", url, undefined, 1_000);
  hints.tell("agent-2", url, undefined, 5_000);
  hints.prune(7_000);
  assert.equal(hints.tell("agent-1", url, sha, 7_000), true);
  assert.equal(hints.tell("agent-2", url, sha, 7_000), false);
});
