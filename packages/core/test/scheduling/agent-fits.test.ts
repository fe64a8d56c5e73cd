import assert from "node:assert/strict";
import test from "node:test";
import { agentFits, type SchedulingAgent } from "@fawkes/core";

const agent = (over: Partial<SchedulingAgent> = {}): SchedulingAgent => ({
  name: "a1",
  configState: "enabled",
  resources: ["linux", "docker"],
  environments: [],
  ...over,
});

test("an agent fits a job only when it has every resource the job needs", () => {
  assert.equal(agentFits(agent(), { resources: [] }, null, []), true);
  assert.equal(agentFits(agent(), { resources: ["linux", "docker"] }, null, []), true);
  assert.equal(agentFits(agent(), { resources: ["linux", "arm64"] }, null, []), false);
});

test("a pipeline outside every environment runs only on agents outside every environment", () => {
  assert.equal(agentFits(agent({ environments: ["prod"] }), { resources: [] }, null, []), false);
  const named = [{ name: "prod", agents: ["a1"] }];
  assert.equal(agentFits(agent(), { resources: [] }, null, named), false, "named by the config");
  assert.equal(agentFits(agent(), { resources: [] }, null, [{ name: "prod", agents: ["a2"] }]), true);
});

test("a pipeline in an environment runs only on that environment's agents", () => {
  const environments = [{ name: "prod", agents: ["a1"] }];
  assert.equal(agentFits(agent(), { resources: [] }, "prod", environments), true, "named by the config");
  assert.equal(
    agentFits(agent({ environments: ["prod"] }), { resources: [] }, "prod", []),
    true,
    "registered",
  );
  assert.equal(agentFits(agent(), { resources: [] }, "prod", []), false, "in no environment");
  assert.equal(
    agentFits(agent({ environments: ["qa"] }), { resources: [] }, "prod", []),
    false,
    "another one",
  );
  assert.equal(
    agentFits(agent({ environments: ["prod"] }), { resources: ["gpu"] }, "prod", []),
    false,
    "the environment does not excuse a missing resource",
  );
});
