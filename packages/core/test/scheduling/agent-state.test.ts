import assert from "node:assert/strict";
import test from "node:test";
import { agentState } from "@fawkes/core";

const lostAfterMs = 30_000;
const now = 1_000_000;

test("pending and disabled agents keep their configured state whenever they were last heard", () => {
  assert.equal(
    agentState({ configState: "pending", currentJobRunId: null }, now, now, lostAfterMs),
    "pending",
  );
  assert.equal(
    agentState({ configState: "disabled", currentJobRunId: 7 }, null, now, lostAfterMs),
    "disabled",
  );
});

test("an enabled agent is lost when never heard from or silent for longer than the bound", () => {
  const enabled = { configState: "enabled", currentJobRunId: null } as const;
  assert.equal(agentState(enabled, null, now, lostAfterMs), "lost");
  assert.equal(agentState(enabled, now - lostAfterMs - 1, now, lostAfterMs), "lost");
  assert.equal(agentState(enabled, now - lostAfterMs, now, lostAfterMs), "idle", "the bound itself is alive");
});

test("a live enabled agent is building while it holds a job and idle otherwise", () => {
  assert.equal(agentState({ configState: "enabled", currentJobRunId: 3 }, now, now, lostAfterMs), "building");
  assert.equal(agentState({ configState: "enabled", currentJobRunId: null }, now, now, lostAfterMs), "idle");
});
