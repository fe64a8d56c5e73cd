/**
 * An agent whose saved identity the server no longer accepts (a stale token, as when the answer to a
 * re-registration was lost before an older Fawkes could save it, or a database restored from a backup), while
 * its name is still held by its old record: the agent is told its identity is unknown (401), registers afresh,
 * is refused the held name (409) without taking it over, and says so; once an administrator deletes the old
 * agent, it comes in by itself and runs jobs. Real server and agent processes.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import {
  createGitRepo,
  startAgentProcess,
  startFawkes,
  waitFor,
  waitForAgent,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

test(
  "an agent with a rejected identity and a held name says so, takes nothing over, and recovers once the old agent is deleted",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "a.txt": "1" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: {
        "p.gocd.yaml": `format_version: 10
pipelines:
  p:
    materials: {src: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}}
    stages: [{s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}}]
`,
      },
      expectPipelines: ["p"],
      agents: 0,
    });
    const { api, server } = fawkes;
    await fawkes.diagnose(async () => {
      const options = { serverUrl: server.url, key: server.autoRegisterKey, name: "builder" };
      const first = await startAgentProcess(t, options);
      const original = await waitForAgent(api, "builder", "idle", { agent: first });
      await first.kill("SIGTERM");

      // The saved token goes stale: same id, a token the server does not hold.
      const identityFile = path.join(first.workDir, "agent.json");
      const saved = JSON.parse(await readFile(identityFile, "utf8")) as { agentId: string; token: string };
      assert.equal(saved.agentId, original.id);
      await writeFile(identityFile, JSON.stringify({ ...saved, token: "stale-token" }), { mode: 0o600 });

      const second = await startAgentProcess(t, { ...options, workDir: first.workDir });
      await waitFor(() => /FAWKES_AGENT_NAME_TAKEN/.test(second.output()), {
        timeoutMs: 20_000,
        message: "the agent to report the held name",
        abortIf: () => (second.process.hasExited() ? "the agent exited" : undefined),
      });
      assert.match(second.output(), /saved agent identity rejected; registering afresh/);
      assert.match(second.output(), /fawkes agents delete builder/, "the refusal says what to do");
      // Nothing was taken over: one builder, the original record.
      const held = (await api.agents()).agents.filter((agent) => agent.name === "builder");
      assert.deepEqual(
        held.map((agent) => agent.id),
        [original.id],
      );

      const deleted = await api.request("DELETE", apiPath(ApiRoutes.agent, { agent: "builder" }));
      assert.ok(deleted.ok, `${deleted.status} ${await deleted.text()}`);
      const fresh = await waitForAgent(api, "builder", "idle", { agent: second, timeoutMs: 30_000 });
      assert.notEqual(fresh.id, original.id);
      await api.trigger("p");
      const run = await waitForRun(api, "p", 1);
      assert.equal(run.result, "passed");
      assert.equal(run.stages[0]?.jobs[0]?.agent, "builder");
      const rewritten = JSON.parse(await readFile(identityFile, "utf8")) as { agentId: string };
      assert.equal(rewritten.agentId, fresh.id, "the new identity is saved for the next start");
    });
  },
);
