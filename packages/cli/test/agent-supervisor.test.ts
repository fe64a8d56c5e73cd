import assert from "node:assert/strict";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { localAgentSpecs, superviseAgents } from "../src/agent-supervisor.ts";
import { tempDir, waitFor } from "./helpers.ts";

test("local agents get names, work dirs and logs under the data dir", () => {
  assert.deepEqual(localAgentSpecs("/d", "host", 2), [
    { name: "host-1", workDir: "/d/agents/1", logFile: "/d/agents/1.log" },
    { name: "host-2", workDir: "/d/agents/2", logFile: "/d/agents/2.log" },
  ]);
});

test("a crashed agent is restarted; stop() terminates it", async (t) => {
  const dir = tempDir(t);
  const starts = join(dir, "starts");
  // Stands in for main.ts: records its argv and key, crashes on the first start, then stays up until SIGTERM.
  const script = join(dir, "fake-main.mjs");
  writeFileSync(
    script,
    `import { appendFileSync, existsSync } from "node:fs";
const first = !existsSync(${JSON.stringify(starts)});
appendFileSync(${JSON.stringify(starts)}, JSON.stringify({ argv: process.argv.slice(2), key: process.env.FAWKES_AGENT_KEY, path: process.env.PATH.split(":")[0], metadata: process.env.AWS_EC2_METADATA_DISABLED }) + "\\n");
console.log("agent output");
if (first) process.exit(3);
setInterval(() => {}, 1000);
process.on("SIGTERM", () => process.exit(0));
`,
  );
  const events: string[] = [];
  const [spec] = localAgentSpecs(dir, "host", 1);
  const supervisor = superviseAgents({
    mainScript: script,
    serverUrl: "http://127.0.0.1:8153",
    key: "auto-key",
    agents: [spec!],
    initialBackoffMs: 10,
    onEvent: (message) => events.push(message),
  });
  t.after(() => supervisor.stop());
  const lines = await waitFor(
    () => {
      const text = existsSync(starts) ? readFileSync(starts, "utf8").trim().split("\n") : [];
      return text.length >= 2 ? text : undefined;
    },
    10_000,
    "a restart",
  );
  const first = JSON.parse(lines[0]!) as { argv: string[]; key: string; path: string; metadata?: string };
  assert.deepEqual(first.argv, [
    "agent",
    "--server",
    "http://127.0.0.1:8153",
    "--name",
    "host-1",
    "--work-dir",
    join(dir, "agents", "1"),
  ]);
  assert.equal(first.key, "auto-key", "the key travels in the environment, not argv");
  assert.equal(first.metadata, "true", "the agent process itself never probes the EC2 metadata address");
  assert.equal(first.path, join(process.execPath, ".."), "this Node comes first on the agent's PATH");
  assert.match(events[0] ?? "", /agent host-1 exited \(code 3\); restarting in 10 ms/);
  const pid = await waitFor(() => supervisor.pids()[0], 5000, "running pid");
  await supervisor.stop();
  assert.throws(() => process.kill(pid, 0), /ESRCH/);
  assert.match(readFileSync(spec!.logFile, "utf8"), /agent output/);
});
