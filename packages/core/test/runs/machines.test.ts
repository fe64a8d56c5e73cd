import assert from "node:assert/strict";
import test from "node:test";
import {
  agentMachine,
  edgesOf,
  jobMachine,
  nextState,
  runMachine,
  runStateOf,
  stageMachine,
  transition,
  type StateMachine,
} from "@fawkes/core";
import { FawkesError, jobStates, StageState } from "@fawkes/protocol";

type Edge = [from: string, event: string, to: string];

/** Every legal edge of each machine, written out by hand so a change to a table is a change here too. */
const legal: Record<string, { machine: StateMachine; edges: Edge[] }> = {
  job: {
    machine: jobMachine,
    edges: [
      ["scheduled", "assign", "assigned"],
      ["scheduled", "complete", "completed"],
      ["assigned", "startPreparing", "preparing"],
      ["assigned", "startBuilding", "building"],
      ["assigned", "startCompleting", "completing"],
      ["assigned", "complete", "completed"],
      ["assigned", "reschedule", "scheduled"],
      ["preparing", "startBuilding", "building"],
      ["preparing", "startCompleting", "completing"],
      ["preparing", "complete", "completed"],
      ["preparing", "reschedule", "scheduled"],
      ["building", "startCompleting", "completing"],
      ["building", "complete", "completed"],
      ["building", "reschedule", "scheduled"],
      ["completing", "complete", "completed"],
      ["completing", "reschedule", "scheduled"],
    ],
  },
  stage: {
    machine: stageMachine,
    edges: [
      ["building", "pass", "passed"],
      ["building", "fail", "failed"],
      ["building", "cancel", "cancelled"],
    ],
  },
  run: {
    machine: runMachine,
    edges: [
      ["building", "advance", "building"],
      ["building", "awaitApproval", "awaitingApproval"],
      ["building", "pass", "passed"],
      ["building", "fail", "failed"],
      ["building", "cancel", "cancelled"],
      ["awaitingApproval", "approve", "building"],
      ["awaitingApproval", "rerun", "building"],
      ["awaitingApproval", "cancel", "cancelled"],
      ["passed", "rerun", "building"],
      ["failed", "rerun", "building"],
      ["cancelled", "rerun", "building"],
    ],
  },
  agent: {
    machine: agentMachine,
    edges: [
      ["pending", "enable", "enabled"],
      ["pending", "disable", "disabled"],
      ["enabled", "disable", "disabled"],
      ["disabled", "enable", "enabled"],
      ["pending", "revokeToken", "pending"],
      ["enabled", "revokeToken", "pending"],
      ["disabled", "revokeToken", "pending"],
    ],
  },
};

const illegalError = (from: string, event: string) => (error: unknown) =>
  error instanceof FawkesError &&
  error.code === "FAWKES_ILLEGAL_TRANSITION" &&
  error.message.includes(`is ${from} cannot ${event}`);

for (const [name, { machine, edges }] of Object.entries(legal)) {
  test(`the ${name} machine allows exactly its listed transitions`, () => {
    for (const [from, event, to] of edges) {
      assert.equal(transition(machine, from, event as never), to, `${from} --${event}-->`);
    }
    assert.deepEqual(
      edgesOf(machine)
        .map((e) => e.join(" "))
        .sort(),
      edges.map((e) => e.join(" ")).sort(),
    );
  });

  test(`every event the ${name} machine does not list for a state is refused with FAWKES_ILLEGAL_TRANSITION`, () => {
    const events = new Set(edgesOf(machine).map(([, event]) => event));
    let refused = 0;
    for (const from of Object.keys(machine.transitions)) {
      for (const event of events) {
        if (edges.some(([f, e]) => f === from && e === event)) continue;
        assert.equal(nextState(machine, from, event as never), undefined);
        assert.throws(() => transition(machine, from, event as never), illegalError(from, event));
        refused++;
      }
    }
    assert.ok(refused > 0, "every machine has illegal transitions to refuse");
  });
}

test("a few illegal transitions that matter, by name", () => {
  assert.throws(() => transition(jobMachine, "completed", "complete"), illegalError("completed", "complete"));
  assert.throws(
    () => transition(jobMachine, "completed", "reschedule"),
    illegalError("completed", "reschedule"),
  );
  assert.throws(
    () => transition(jobMachine, "scheduled", "startBuilding"),
    illegalError("scheduled", "startBuilding"),
  );
  assert.throws(
    () => transition(jobMachine, "building", "startPreparing"),
    illegalError("building", "startPreparing"),
  );
  assert.throws(() => transition(stageMachine, "passed", "fail"), illegalError("passed", "fail"));
  assert.throws(() => transition(runMachine, "passed", "approve"), illegalError("passed", "approve"));
  assert.throws(() => transition(runMachine, "failed", "cancel"), illegalError("failed", "cancel"));
  assert.throws(() => transition(agentMachine, "enabled", "enable"), illegalError("enabled", "enable"));
});

test("an event name that happens to be an Object property is not an edge", () => {
  assert.equal(nextState(jobMachine, "completed", "toString" as never), undefined);
  assert.throws(() => transition(jobMachine, "completed", "constructor" as never), /cannot constructor/);
});

test("the job and stage machines cover every state of the wire unions, and terminal states have no way out", () => {
  assert.deepEqual(Object.keys(jobMachine.transitions).sort(), [...jobStates].sort());
  assert.deepEqual(Object.keys(stageMachine.transitions).sort(), Object.values(StageState).sort());
  assert.deepEqual(Object.keys(jobMachine.transitions.completed), []);
  for (const result of ["passed", "failed", "cancelled"] as const) {
    assert.deepEqual(Object.keys(stageMachine.transitions[result]), []);
  }
});

test("every initial state is a state of its machine", () => {
  for (const { machine } of Object.values(legal)) {
    for (const state of machine.initial) assert.ok(state in machine.transitions, `${machine.name}: ${state}`);
  }
});

test("a run waiting at a manual gate is awaitingApproval; otherwise its state is its result", () => {
  assert.equal(runStateOf({ result: "building", awaitingStage: "deploy" }), "awaitingApproval");
  assert.equal(runStateOf({ result: "building", awaitingStage: null }), "building");
  assert.equal(runStateOf({ result: "failed", awaitingStage: null }), "failed");
});
