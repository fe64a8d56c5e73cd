import assert from "node:assert/strict";
import test from "node:test";
import { agreesWith, chooseUpstreams, fanInOrder, mergeAncestry, type UpstreamSource } from "@fawkes/core";

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

/**
 * A diamond: `c` depends on `a` and `b`, which both build git `repo`. Each upstream run is named
 * `<pipeline><counter>` and built `repo` at the given revision; candidates are newest first.
 */
function diamond(runs: Record<string, [name: string, repoRevision: string][]>) {
  const reads: string[] = [];
  const source: UpstreamSource<{ name: string }, string> = {
    candidates: async (material) => (runs[material.name] ?? []).map(([name]) => name),
    async ancestry(material, stage) {
      reads.push(stage);
      const revision = runs[material.name]!.find(([name]) => name === stage)![1];
      return new Map([
        ["git:repo", revision],
        [`dep:${material.name}`, stage],
      ]);
    },
  };
  return { source, reads, materials: [{ name: "a" }, { name: "b" }] };
}

test("fan-in chooses, per upstream, the newest run that agrees with the others on shared materials", async () => {
  const { source, reads, materials } = diamond({
    a: [
      ["a2", "sha2"],
      ["a1", "sha1"],
    ],
    b: [["b1", "sha1"]],
  });
  // b just passed on sha1 (pinned): a's newest run built sha2, so its older run on sha1 is taken.
  const pinned = await chooseUpstreams(materials, { material: "b", stage: "b1" }, source);
  assert.deepEqual(
    pinned?.map((choice) => [choice.material.name, choice.stage]),
    [
      ["b", "b1"],
      ["a", "a1"],
    ],
  );
  assert.deepEqual(reads, ["b1", "a2", "a1"], "each candidate's ancestry is read only when reached");
  assert.equal(pinned?.[1]?.ancestry.get("git:repo"), "sha1");
});

test("fan-in waits (null) while an upstream has no agreeing run, and needs nothing without dependencies", async () => {
  const { source, materials } = diamond({
    a: [["a2", "sha2"]],
    b: [["b1", "sha1"]],
  });
  // a just passed on sha2; b has built only sha1: the run waits for b.
  assert.equal(await chooseUpstreams(materials, { material: "a", stage: "a2" }, source), null);
  // Without a pin a is chosen first (configured order), with the same outcome: greedy, never revisited.
  assert.equal(await chooseUpstreams(materials, null, source), null);
  const none = diamond({ a: [], b: [["b1", "sha1"]] });
  assert.equal(await chooseUpstreams(none.materials, null, none.source), null, "an upstream never passed");
  assert.deepEqual(await chooseUpstreams([], null, none.source), []);
});

test("fan-in takes each upstream's newest run when they all agree", async () => {
  const { source, materials } = diamond({
    a: [
      ["a3", "sha3"],
      ["a2", "sha2"],
    ],
    b: [
      ["b2", "sha3"],
      ["b1", "sha2"],
    ],
  });
  const chosen = await chooseUpstreams(materials, null, source);
  assert.deepEqual(
    chosen?.map((choice) => choice.stage),
    ["a3", "b2"],
  );
});
