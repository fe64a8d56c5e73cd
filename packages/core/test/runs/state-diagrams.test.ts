import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import test from "node:test";
import {
  addressMachine,
  agentMachine,
  edgesOf,
  instanceMachine,
  jobMachine,
  resourceMachine,
  runMachine,
  sessionMachine,
  stackMachine,
  stageMachine,
  type StateMachine,
} from "@fawkes/core";

const statesDoc = new URL("../../../../docs/states.md", import.meta.url);
const machines: StateMachine[] = [
  jobMachine,
  stageMachine,
  runMachine,
  agentMachine,
  sessionMachine,
  stackMachine,
  resourceMachine,
  instanceMachine,
  addressMachine,
];

interface Diagram {
  edges: string[];
  initial: string[];
  final: string[];
}

/** The `stateDiagram-v2` blocks of a markdown page, keyed by their `%% machine: NAME` comment. */
function parseDiagrams(markdown: string): Map<string, Diagram> {
  const diagrams = new Map<string, Diagram>();
  for (const block of markdown.matchAll(/```mermaid\n([\s\S]*?)```/g)) {
    const lines = (block[1] ?? "").split("\n").map((line) => line.trim());
    if (lines[0] !== "stateDiagram-v2") continue;
    const name = lines
      .find((line) => line.startsWith("%% machine:"))
      ?.slice("%% machine:".length)
      .trim();
    assert.ok(name, "every state diagram names its machine in a `%% machine: NAME` comment");
    assert.ok(!diagrams.has(name), `one diagram per machine (${name} twice)`);
    const diagram: Diagram = { edges: [], initial: [], final: [] };
    for (const line of lines.slice(1)) {
      if (line === "" || line.startsWith("%%")) continue;
      const edge = /^(\S+)\s*-->\s*(\S+?)(?:\s*:\s*(\S+))?$/.exec(line);
      assert.ok(edge, `${name}: cannot read diagram line "${line}"`);
      const [, from = "", to = "", event] = edge;
      if (from === "[*]") diagram.initial.push(to);
      else if (to === "[*]") diagram.final.push(from);
      else {
        assert.ok(event, `${name}: the edge ${from} --> ${to} names no event`);
        diagram.edges.push(`${from} --${event}--> ${to}`);
      }
    }
    diagrams.set(name, diagram);
  }
  return diagrams;
}

const diagrams = parseDiagrams(readFileSync(statesDoc, "utf8"));

test("docs/states.md has one diagram per machine and no other", () => {
  assert.deepEqual([...diagrams.keys()].sort(), machines.map((m) => m.name).sort());
});

for (const machine of machines) {
  test(`the ${machine.name} diagram in docs/states.md has exactly the edges of its table`, () => {
    const diagram = diagrams.get(machine.name);
    assert.ok(diagram, `docs/states.md has no diagram for the ${machine.name} machine`);
    const table = edgesOf(machine).map(([from, event, to]) => `${from} --${event}--> ${to}`);
    assert.deepEqual(
      diagram.edges.filter((edge) => !table.includes(edge)),
      [],
      "edges drawn but not in the table",
    );
    assert.deepEqual(
      table.filter((edge) => !diagram.edges.includes(edge)),
      [],
      "edges in the table but not drawn",
    );
    assert.equal(diagram.edges.length, new Set(diagram.edges).size, "no edge drawn twice");
    assert.deepEqual(diagram.initial.sort(), [...machine.initial].sort(), "[*] --> the initial states");
    const terminal = Object.entries(machine.transitions)
      .filter(([, edges]) => Object.keys(edges).length === 0)
      .map(([state]) => state);
    assert.deepEqual(diagram.final.sort(), terminal.sort(), "--> [*] from exactly the terminal states");
  });
}

test("the diagram check notices a missing or an extra edge", () => {
  const doc = readFileSync(statesDoc, "utf8");
  const dropped = parseDiagrams(doc.replace("  scheduled --> assigned: assign\n", "")).get("job");
  assert.ok(dropped && !dropped.edges.includes("scheduled --assign--> assigned"));
  const added = parseDiagrams(
    doc.replace("  completed --> [*]\n", "  completed --> scheduled: reschedule\n"),
  ).get("job");
  assert.ok(added?.edges.includes("completed --reschedule--> scheduled"));
  assert.deepEqual(added?.final, []);
});
