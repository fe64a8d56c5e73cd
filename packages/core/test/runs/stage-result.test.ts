import assert from "node:assert/strict";
import test from "node:test";
import { countStageJobs, stageResultOf } from "@fawkes/core";
import type { JobState } from "@fawkes/protocol";

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
