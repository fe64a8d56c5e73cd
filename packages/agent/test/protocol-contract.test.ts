/**
 * The fake server the agent tests use answers the agent protocol exactly like the real server: the same table
 * of exchanges (packages/testing) is played against the real server in packages/server/test/e2e.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { agentProtocolContract, playAgentProtocolContract } from "@fawkes/testing";
import { jobAssignment, startServer } from "./support/helpers.ts";

test("the fake server keeps the agent protocol contract", async (t) => {
  const server = await startServer(t);
  const outcomes = await playAgentProtocolContract({
    url: server.url,
    key: "test-key",
    scheduleJob: async () => void server.assign(jobAssignment()),
  });
  assert.deepEqual(outcomes, agentProtocolContract, JSON.stringify(outcomes));
});
