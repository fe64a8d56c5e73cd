/** Pending agents, resources, and a queued job that says why it waits. */
import assert from "node:assert/strict";
import test from "node:test";
import {
  createGitRepo,
  startAgentProcess,
  startFawkes,
  waitFor,
  waitForAgent,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

test("resource matching, pending agents and the waiting reason", { timeout: 60_000 }, async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const simple = `format_version: 10
pipelines:
  needs-linux:
    materials:
      m: {pipeline: seed, stage: s}
    stages:
      - s:
          jobs:
            j:
              resources: [linux]
              tasks: [{exec: {command: sh, arguments: ["-c", "echo resources=$GO_AGENT_RESOURCES"]}}]
  seed:
    materials:
      m: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}
    stages:
      - s: {fetch_materials: false, jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "a.gocd.yaml": simple },
    expectPipelines: ["needs-linux", "seed"],
    agents: 1,
  });
  const { api, server } = fawkes;
  await fawkes.diagnose(async () => {
    await api.trigger("seed");
    const first = await waitForRun(api, "needs-linux", 1, (run) =>
      Boolean(run.stages[0]?.jobs[0]?.waitingReason),
    );
    assert.match(first.stages[0]!.jobs[0]!.waitingReason!, /no enabled agent with resources linux/);

    const agent = await startAgentProcess(t, {
      serverUrl: server.url,
      key: server.agentKey,
      name: "builder",
      resources: ["linux", "docker"],
    });
    await waitForAgent(api, "builder", "pending", { agent });
    const pending = await waitForRun(api, "needs-linux", 1, (run) =>
      /pending/.test(run.stages[0]?.jobs[0]?.waitingReason ?? ""),
    );
    assert.equal(pending.stages[0]?.jobs[0]?.state, "scheduled");

    await fawkes.cliOk(["agents", "enable", "builder"]);
    const done = await waitForRun(api, "needs-linux", 1, (run) => run.result !== "building");
    assert.equal(done.result, "passed");
    assert.equal(done.stages[0]?.jobs[0]?.agent, "builder");
    const log = await fawkes.cliOk(["logs", "needs-linux/1/s/j"]);
    assert.match(log.stdout, /resources=linux,docker|resources=docker,linux/);
    await waitFor(
      async () => (await api.agents()).agents.find((a) => a.name === "builder")?.state === "idle",
      { timeoutMs: 10_000, message: "builder idle" },
    );
  });
});
