import assert from "node:assert/strict";
import test from "node:test";
import { assertJobTransition, canTransitionJob, countStageJobs, stageResultOf } from "@fawkes/core";
import { jobStates, type JobState } from "@fawkes/protocol";

const legal: [JobState, JobState][] = [
  ["scheduled", "assigned"],
  ["scheduled", "completed"],
  ["assigned", "preparing"],
  ["assigned", "building"],
  ["preparing", "building"],
  ["building", "completing"],
  ["building", "completed"],
  ["completing", "completed"],
  ["building", "scheduled"],
];

test("the job state machine allows GoCD's lifecycle and rescheduling", () => {
  for (const [from, to] of legal) assert.ok(canTransitionJob(from, to), `${from} → ${to}`);
});

test("illegal job transitions are refused with a clear error", () => {
  const illegal: [JobState, JobState][] = [
    ["completed", "building"],
    ["completed", "scheduled"],
    ["completed", "completed"],
    ["scheduled", "building"],
    ["building", "preparing"],
    ["completing", "building"],
  ];
  for (const [from, to] of illegal) {
    assert.equal(canTransitionJob(from, to), false, `${from} → ${to}`);
    assert.throws(() => assertJobTransition(from, to), new RegExp(`from ${from} to ${to}`));
  }
  // Nothing leaves `completed`.
  for (const to of jobStates) assert.equal(canTransitionJob("completed", to), false);
});

test("a stage is building until every job completes, then cancelled > failed > passed", () => {
  const job = (state: JobState, result: "passed" | "failed" | "cancelled" | "unknown") => ({ state, result });
  assert.equal(
    stageResultOf(countStageJobs([job("completed", "passed"), job("building", "unknown")])),
    "building",
  );
  assert.equal(
    stageResultOf(countStageJobs([job("completed", "passed"), job("completed", "passed")])),
    "passed",
  );
  assert.equal(
    stageResultOf(countStageJobs([job("completed", "failed"), job("completed", "passed")])),
    "failed",
  );
  assert.equal(
    stageResultOf(countStageJobs([job("completed", "failed"), job("completed", "cancelled")])),
    "cancelled",
  );
  assert.equal(stageResultOf(countStageJobs([job("completed", "unknown")])), "failed");
});
