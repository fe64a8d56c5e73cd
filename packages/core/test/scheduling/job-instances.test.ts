import assert from "node:assert/strict";
import test from "node:test";
import { jobInstanceNames, type SchedulingAgent } from "@fawkes/core";

const agent = (name: string, over: Partial<SchedulingAgent> = {}): SchedulingAgent => ({
  name,
  configState: "enabled",
  resources: ["linux"],
  environments: [],
  ...over,
});

test("a job without run_instances is one job run under its own name", () => {
  assert.deepEqual(jobInstanceNames({ name: "test", resources: [], runInstances: null }, []), ["test"]);
});

test("run_instances N makes N numbered job runs, and never fewer than one", () => {
  assert.deepEqual(jobInstanceNames({ name: "test", resources: [], runInstances: 3 }, []), [
    "test-runInstance-1",
    "test-runInstance-2",
    "test-runInstance-3",
  ]);
  assert.deepEqual(jobInstanceNames({ name: "test", resources: [], runInstances: 0 }, []), [
    "test-runInstance-1",
  ]);
});

test("run_instances all makes one job run per enabled agent with the job's resources", () => {
  const agents = [
    agent("a1"),
    agent("a2"),
    agent("a3", { resources: ["windows"] }),
    agent("a4", { configState: "disabled" }),
    agent("a5", { configState: "pending" }),
  ];
  assert.deepEqual(jobInstanceNames({ name: "smoke", resources: ["linux"], runInstances: "all" }, agents), [
    "smoke-runOnAll-1",
    "smoke-runOnAll-2",
  ]);
  assert.deepEqual(
    jobInstanceNames({ name: "smoke", resources: ["gpu"], runInstances: "all" }, agents),
    ["smoke-runOnAll-1"],
    "with no such agent, one job run that waits and says why",
  );
});
