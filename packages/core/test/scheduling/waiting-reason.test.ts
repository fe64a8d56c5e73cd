import assert from "node:assert/strict";
import test from "node:test";
import { waitingReason, type WaitingAgent, type WaitingReasonInput } from "@fawkes/core";

const now = 1_000_000;
const agent = (over: Partial<WaitingAgent> = {}): WaitingAgent => ({
  name: "a1",
  configState: "enabled",
  resources: ["linux"],
  environments: [],
  currentJobRunId: 9,
  lastSeen: now,
  ...over,
});
const reason = (over: Partial<WaitingReasonInput>): string =>
  waitingReason({
    job: { resources: ["linux"], waitingReason: null },
    environment: null,
    environments: [],
    agents: [],
    now,
    lostAfterMs: 30_000,
    ...over,
  });

test("no enabled agent fits: says what the job needs, and how to let pending agents in", () => {
  assert.equal(reason({ agents: [] }), "no enabled agent with resources linux");
  assert.equal(
    reason({ agents: [agent({ configState: "pending" }), agent({ name: "a2", configState: "pending" })] }),
    "no enabled agent with resources linux (2 agents pending: enable with `fawkes agents enable NAME`)",
  );
  assert.equal(
    reason({ agents: [agent({ resources: [] })], environment: "prod" }),
    "no enabled agent with resources linux in environment prod",
  );
});

test("every fitting agent is lost", () => {
  assert.equal(
    reason({ agents: [agent({ lastSeen: now - 60_000 }), agent({ name: "a2", lastSeen: null })] }),
    "every agent with resources linux is lost (no heartbeat)",
  );
});

test("fitting agents are alive but busy: counts them, and adds the reason the job was queued again", () => {
  const agents = [agent(), agent({ name: "a2" }), agent({ name: "a3", lastSeen: null })];
  assert.equal(reason({ agents }), "waiting for an idle agent with resources linux (2 busy)");
  assert.equal(
    reason({
      agents,
      job: { resources: [], waitingReason: "rescheduled: agent a9 was lost" },
    }),
    "waiting for an idle agent (2 busy); rescheduled: agent a9 was lost",
  );
});
