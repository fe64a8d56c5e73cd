/**
 * A real agent process whose token an administrator revokes: its next request is refused, it registers again with
 * its key on its own, under its name, and waits pending; once enabled it runs jobs again with its new token.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import {
  createGitRepo,
  startFawkes,
  summarizeRun,
  waitFor,
  waitForAgent,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const pipelineYaml = (repo: string) => `
format_version: 10
pipelines:
  after-revoke:
    group: e2e
    materials:
      src: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - only: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test("a revoked agent registers again, pending, and works once enabled", { timeout: 90_000 }, async (t) => {
  const repo = await createGitRepo(t, { "README.md": "x\n" });
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "p.gocd.yaml": pipelineYaml(repo.path) },
    expectPipelines: ["after-revoke"],
  });
  const [agent] = fawkes.agents;
  assert.ok(agent);
  await fawkes.diagnose(async () => {
    const identityFile = path.join(agent.workDir, "agent.json");
    type Identity = { agentId: string; token: string };
    // The agent writes its identity after the server registered it: wait for the file.
    const saved = (): Promise<Identity | undefined> =>
      readFile(identityFile, "utf8").then(
        (text) => JSON.parse(text) as Identity,
        () => undefined,
      );
    const before = await waitFor(saved, { message: "the agent's saved identity" });
    await fawkes.cliOk(["agents", "revoke-token", agent.name]);
    await waitForAgent(fawkes.api, agent.name, "pending", { agent });
    // The agent saved the new token it registered with; the old one is gone for good.
    const after = await waitFor(
      async () => {
        const identity = await saved();
        return identity !== undefined && identity.token !== before.token ? identity : undefined;
      },
      { message: "the agent to save its new token" },
    );
    assert.equal(after.agentId, before.agentId, "the agent kept its record");
    const old = await fetch(`${fawkes.server.url}/agent/v1/work`, {
      method: "POST",
      headers: { authorization: `Bearer ${before.token}`, "content-type": "application/json" },
      body: JSON.stringify({ waitMs: 0 }),
    });
    assert.equal(old.status, 401);
    // Pending gets no job; enabled, it runs one.
    await fawkes.cliOk(["agents", "enable", agent.name]);
    await waitForAgent(fawkes.api, agent.name, "idle", { agent });
    await fawkes.cliOk(["trigger", "after-revoke"]);
    const run = await waitForRun(fawkes.api, "after-revoke", 1, (r) => r.result !== "building");
    assert.equal(run.result, "passed", summarizeRun(run));
  });
});
