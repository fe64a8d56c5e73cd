/**
 * The real server answers the agent protocol as the shared contract table says (the agent tests' fake server is
 * held to the same table in packages/agent/test/protocol-contract.test.ts).
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
  agentProtocolContract,
  createGitRepo,
  playAgentProtocolContract,
  startFawkes,
  yamlString,
} from "@fawkes/testing";

const pipelineYaml = (repoPath: string) => `
format_version: 10
pipelines:
  contract:
    group: e2e
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - only:
          jobs:
            work:
              tasks:
                - exec:
                    command: "true"
`;

test("the real server keeps the agent protocol contract", { timeout: 60_000 }, async (t) => {
  const repo = await createGitRepo(t, null);
  await repo.commit({ "README.md": "x\n" }, "first");
  const fawkes = await startFawkes(t, {
    pipelineFiles: { "contract.gocd.yaml": pipelineYaml(repo.path) },
    expectPipelines: ["contract"],
    agents: 0,
  });
  await fawkes.diagnose(async () => {
    const outcomes = await playAgentProtocolContract({
      url: fawkes.server.url,
      key: fawkes.server.autoRegisterKey,
      scheduleJob: async () => void (await fawkes.api.trigger("contract")),
    });
    assert.deepEqual(outcomes, agentProtocolContract, JSON.stringify(outcomes));
  });
});
