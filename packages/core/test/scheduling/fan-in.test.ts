import assert from "node:assert/strict";
import test from "node:test";
import { agreesWith, fanInOrder, mergeAncestry } from "@fawkes/core";

test("the pinned material is chosen first; the others keep their configured order", () => {
  const materials = [{ name: "a" }, { name: "b" }, { name: "c" }];
  assert.deepEqual(
    fanInOrder(materials, "c").map((m) => m.name),
    ["c", "a", "b"],
  );
  assert.deepEqual(
    fanInOrder(materials, null).map((m) => m.name),
    ["a", "b", "c"],
  );
  assert.deepEqual(
    materials.map((m) => m.name),
    ["a", "b", "c"],
    "the input is left alone",
  );
});

test("a candidate agrees when every material it shares with the chosen runs is at the same revision", () => {
  const chosen = new Map([
    ["git:repo", "sha1"],
    ["dep:up/build", "up/3/build/1"],
  ]);
  assert.equal(agreesWith(chosen, new Map([["git:repo", "sha1"]])), true);
  assert.equal(agreesWith(chosen, new Map([["git:other", "sha9"]])), true, "nothing shared");
  assert.equal(agreesWith(chosen, new Map([["git:repo", "sha2"]])), false);
  assert.equal(agreesWith(new Map(), new Map([["git:repo", "sha2"]])), true, "the first choice");
});

test("merging a choice makes later candidates agree with it too, without changing the earlier set", () => {
  const chosen = new Map([["git:repo", "sha1"]]);
  const merged = mergeAncestry(chosen, new Map([["git:lib", "sha7"]]));
  assert.equal(agreesWith(merged, new Map([["git:lib", "sha8"]])), false);
  assert.equal(
    agreesWith(
      merged,
      new Map([
        ["git:repo", "sha1"],
        ["git:lib", "sha7"],
      ]),
    ),
    true,
  );
  assert.equal(chosen.size, 1);
});
