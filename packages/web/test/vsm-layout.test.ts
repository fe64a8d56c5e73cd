import assert from "node:assert/strict";
import { test } from "node:test";
import type { VsmDto, VsmNodeDto } from "@fawkes/protocol";
import { DEFAULT_LAYOUT, edgePath, layoutVsm } from "../src/vsm/layout.ts";

function git(name: string, level: number): VsmNodeDto {
  return {
    id: `git:${name}`,
    kind: "git",
    name,
    detail: "a".repeat(40),
    pipeline: null,
    counter: null,
    result: null,
    stages: [],
    level,
  };
}
function run(pipeline: string, counter: number, level: number): VsmNodeDto {
  return {
    id: `run:${pipeline}/${counter}`,
    kind: "run",
    name: pipeline,
    detail: String(counter),
    pipeline,
    counter,
    result: "passed",
    stages: [{ name: "build", result: "passed" }],
    level,
  };
}

test("columns follow levels: upstream left, the run, downstream right", () => {
  const vsm: VsmDto = {
    nodes: [run("deploy", 3, 1), run("app", 7, 0), git("repo", -1), run("lib", 2, -1), git("lib-repo", -2)],
    edges: [
      { from: "git:lib-repo", to: "run:lib/2" },
      { from: "run:lib/2", to: "run:app/7" },
      { from: "git:repo", to: "run:app/7" },
      { from: "run:app/7", to: "run:deploy/3" },
    ],
  };
  const layout = layoutVsm(vsm);
  const column = (id: string) => layout.nodes.find((n) => n.node.id === id)?.column;
  assert.deepEqual(
    layout.columns.map((c) => c.level),
    [-2, -1, 0, 1],
  );
  assert.equal(column("git:lib-repo"), 0);
  assert.equal(column("run:lib/2"), 1);
  assert.equal(column("git:repo"), 1);
  assert.equal(column("run:app/7"), 2);
  assert.equal(column("run:deploy/3"), 3);
  const x = (id: string) => layout.nodes.find((n) => n.node.id === id)?.x ?? NaN;
  assert.ok(
    x("git:lib-repo") < x("run:lib/2") &&
      x("run:lib/2") < x("run:app/7") &&
      x("run:app/7") < x("run:deploy/3"),
  );
  assert.equal(layout.edges.length, 4);
  const { nodeWidth, nodeHeight, columnGap, padding } = DEFAULT_LAYOUT;
  assert.equal(layout.width, padding * 2 + 4 * nodeWidth + 3 * columnGap);
  assert.equal(layout.height, padding * 2 + 2 * nodeHeight + DEFAULT_LAYOUT.rowGap);
});

test("nodes in a column do not overlap and shorter columns are centred", () => {
  const vsm: VsmDto = {
    nodes: [run("app", 1, 0), git("a", -1), git("b", -1), git("c", -1)],
    edges: ["a", "b", "c"].map((name) => ({ from: `git:${name}`, to: "run:app/1" })),
  };
  const layout = layoutVsm(vsm);
  const materials = layout.nodes.filter((n) => n.column === 0).sort((a, b) => a.y - b.y);
  for (let i = 1; i < materials.length; i++) {
    assert.ok((materials[i]?.y ?? 0) - (materials[i - 1]?.y ?? 0) >= DEFAULT_LAYOUT.nodeHeight);
  }
  const app = layout.nodes.find((n) => n.node.id === "run:app/1");
  const middle = materials[1];
  assert.equal(app?.y, middle?.y, "the single run sits level with the middle material");
});

test("ordering inside a column follows the neighbours (no crossing edges)", () => {
  // Two upstream chains; their names sort opposite to their downstream partners' names.
  const vsm: VsmDto = {
    nodes: [git("a-repo", -1), git("z-repo", -1), run("b-build", 1, 0), run("y-build", 1, 0)],
    edges: [
      { from: "git:a-repo", to: "run:y-build/1" },
      { from: "git:z-repo", to: "run:b-build/1" },
    ],
  };
  const layout = layoutVsm(vsm);
  const row = (id: string) => layout.nodes.find((n) => n.node.id === id)?.row;
  assert.equal(row("git:a-repo"), 0);
  assert.equal(row("run:y-build/1"), 0, "y-build moves up next to its material");
  assert.equal(row("run:b-build/1"), 1);
});

test("edges to unknown nodes and self-loops are dropped; an empty map has no size", () => {
  const layout = layoutVsm({
    nodes: [run("app", 1, 0)],
    edges: [
      { from: "git:nowhere", to: "run:app/1" },
      { from: "run:app/1", to: "run:app/1" },
    ],
  });
  assert.equal(layout.edges.length, 0);
  assert.deepEqual(layoutVsm({ nodes: [], edges: [] }), {
    nodes: [],
    edges: [],
    columns: [],
    width: 0,
    height: 0,
    nodeWidth: DEFAULT_LAYOUT.nodeWidth,
    nodeHeight: DEFAULT_LAYOUT.nodeHeight,
  });
});

test("edge paths run from the right middle of one node to the left middle of the next", () => {
  const o = { ...DEFAULT_LAYOUT, nodeWidth: 100, nodeHeight: 40, columnGap: 60 };
  assert.equal(edgePath({ x: 0, y: 0 }, { x: 160, y: 100 }, o), "M 100 20 C 130 20, 130 120, 160 120");
  const layout = layoutVsm(
    { nodes: [git("repo", -1), run("app", 1, 0)], edges: [{ from: "git:repo", to: "run:app/1" }] },
    o,
  );
  const [edge] = layout.edges;
  const from = layout.nodes.find((n) => n.node.kind === "git");
  const to = layout.nodes.find((n) => n.node.kind === "run");
  assert.ok(edge && from && to);
  assert.match(edge.path, new RegExp(`^M ${from.x + 100} ${from.y + 20} C .* ${to.x} ${to.y + 20}$`));
});

test("layout is deterministic whatever order the nodes come in", () => {
  const nodes = [run("d", 1, 1), run("c", 2, 1), run("app", 1, 0), git("r1", -1), git("r2", -1)];
  const edges = [
    { from: "git:r1", to: "run:app/1" },
    { from: "git:r2", to: "run:app/1" },
    { from: "run:app/1", to: "run:d/1" },
    { from: "run:app/1", to: "run:c/2" },
  ];
  const positions = (list: VsmNodeDto[]) =>
    layoutVsm({ nodes: list, edges })
      .nodes.map((n) => `${n.node.id}@${n.x},${n.y}`)
      .sort();
  assert.deepEqual(positions(nodes), positions([...nodes].reverse()));
});
