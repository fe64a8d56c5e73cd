import { test } from "node:test";
import { startServer, startTestAgent, tempDir, waitFor } from "../support/helpers.ts";

test("fails early", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  const first = await startTestAgent(t, server, workDir);
  await waitFor("registration", () => first.agentId() !== undefined);
  throw new Error("boom");
});
