/**
 * An agent killed (SIGKILL) in the middle of a job: once the server declares it lost (FAWKES_AGENT_LOST_AFTER_MS),
 * the job is failed or rescheduled to another agent within a bounded time; it never stays building.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import {
  createGitRepo,
  startFawkes,
  summarizeRun,
  tempDir,
  waitForAgent,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const waitForFlag = `echo started; i=0; while [ ! -f "$FLAG" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; test -f "$FLAG"`;

const pipelineYaml = (repoPath: string, flag: string) => `
format_version: 10
pipelines:
  orphan:
    group: e2e
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - only:
          jobs:
            sleeper:
              environment_variables:
                FLAG: ${yamlString(flag)}
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(waitForFlag)}]
`;

test(
  "a job whose agent is killed ends failed or rescheduled within the bound",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const flag = path.join(await tempDir(t, "fawkes-flag-"), "go");
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "orphan.gocd.yaml": pipelineYaml(repo.path, flag) },
      expectPipelines: ["orphan"],
      serverEnv: { FAWKES_AGENT_LOST_AFTER_MS: "3000" },
    });
    const { api } = fawkes;

    await fawkes.diagnose(async () => {
      await repo.commit({ "README.md": "x\n" }, "first");
      await fawkes.cliOk(["notify", repo.path]);
      await waitForRun(
        api,
        "orphan",
        1,
        (run) => run.stages[0]?.jobs.some((job) => job.state === "building") === true,
      );

      const [agent1] = fawkes.agents;
      assert.ok(agent1 !== undefined);
      await agent1.kill("SIGKILL");
      const killedAt = Date.now();
      // The orphaned task of the dead agent may finish now: nobody is left to report it.
      await writeFile(flag, "");
      await fawkes.addAgent("agent-2");

      await waitForAgent(api, "agent-1", "lost", { timeoutMs: 15_000 });
      const run = await waitForRun(
        api,
        "orphan",
        1,
        (current) => current.stages[0]?.jobs.every((job) => job.state === "completed") === true,
        { timeoutMs: 15_000 },
      );
      const elapsed = Date.now() - killedAt;
      assert.ok(elapsed < 15_000, `the job ended ${elapsed} ms after its agent was killed`);
      const job = run.stages[0]?.jobs[0];
      assert.ok(job !== undefined, summarizeRun(run));
      if (job.result === "failed") {
        assert.equal(run.result, "failed", summarizeRun(run));
      } else {
        // Rescheduled: the new attempt ran on the surviving agent and passed (the flag exists by now).
        assert.equal(job.result, "passed", summarizeRun(run));
        const agent2 = (await api.agents()).agents.find((agent) => agent.name === "agent-2");
        assert.ok(
          job.agent === "agent-2" || job.agent === agent2?.id,
          `ran on ${job.agent}: ${summarizeRun(run)}`,
        );
        assert.equal(run.result, "passed", summarizeRun(run));
      }
    });
  },
);
