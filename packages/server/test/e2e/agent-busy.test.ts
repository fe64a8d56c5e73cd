/**
 * Deleting an agent in the middle of a job is refused with 409 FAWKES_AGENT_BUSY (its own code, not a validation
 * failure) and changes nothing; once the job is done the same request succeeds.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, ErrorCode, apiPath, type Problem } from "@fawkes/protocol";
import { createGitRepo, startFawkes, tempDir, waitForAgent, waitForRun, yamlString } from "@fawkes/testing";

const waitForFlag = `i=0; while [ ! -f "$FLAG" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -f "$FLAG"`;

const pipelineYaml = (repoPath: string, flag: string) => `
format_version: 10
pipelines:
  held:
    group: e2e
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - only:
          jobs:
            waiter:
              environment_variables:
                FLAG: ${yamlString(flag)}
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(waitForFlag)}]
`;

test("an agent running a job cannot be deleted: 409 FAWKES_AGENT_BUSY", { timeout: 60_000 }, async (t) => {
  const repo = await createGitRepo(t, null); // no commit: nothing runs before the agent is idle
  const flag = path.join(await tempDir(t, "fawkes-flag-"), "go");
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "held.gocd.yaml": pipelineYaml(repo.path, flag) },
    expectPipelines: ["held"],
  });
  const { api } = fawkes;
  const agentPath = apiPath(ApiRoutes.agent, { agent: "agent-1" });

  await fawkes.diagnose(async () => {
    await repo.commit({ "README.md": "x\n" }, "first");
    await fawkes.cliOk(["notify", repo.path]);
    await waitForRun(api, "held", 1, (run) => run.stages[0]?.jobs[0]?.state === "building");

    const refused = await api.request("DELETE", agentPath);
    const text = await refused.text();
    assert.equal(refused.status, 409, text);
    const problem = JSON.parse(text) as Problem;
    assert.equal(problem.code, ErrorCode.agentBusy);
    assert.equal(problem.status, 409);
    assert.ok(
      (await api.agents()).agents.some((agent) => agent.name === "agent-1"),
      "the refused delete kept the agent",
    );

    await writeFile(flag, "");
    const run = await waitForRun(api, "held", 1, (current) => current.result !== "building");
    assert.equal(run.result, "passed");
    await waitForAgent(api, "agent-1", "idle");
    const deleted = await api.request("DELETE", agentPath);
    assert.ok(deleted.ok, `${deleted.status} ${await deleted.text()}`);
  });
});
