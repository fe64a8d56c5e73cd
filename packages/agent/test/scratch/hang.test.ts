import { test } from "node:test";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { startAgent } from "@fawkes/agent";
import { startServer, tempDir, waitFor } from "../support/helpers.ts";

test("fails early", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  const first = await startAgent({ serverUrl: server.url, key: "k", name: "n", resources: [], environments: [], workDir, workWaitMs: 1000, log: (l, m, f) => console.log("LOG", Date.now() % 100000, l, m, JSON.stringify(f)) });
  t.after(async () => { console.log("STOP start", Date.now() % 100000); await first.stop(); console.log("STOP end"); });
  await waitFor("registration", () => first.agentId() !== undefined);
  await stat(join(workDir, "agent.json"));
});
