/**
 * Against a real server and agent: `fawkes trigger --wait` stops at a manual approval with exit code 3 and the
 * command that approves it, `--wait-through-approvals` keeps waiting until someone approves, `fawkes status`
 * (table and --json) shows every stage of a run with its state, and triggering a paused pipeline says once, with
 * the pipeline's name, how to unpause it.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, runCli, startFawkes, waitForRun, yamlString } from "@fawkes/testing";

const config = (repo: string) => `format_version: 10
pipelines:
  myapp:
    materials:
      src: {git: ${yamlString(repo)}, branch: main}
    stages:
      - build: {tasks: [{script: "echo built"}]}
      - deploy: {approval: manual, tasks: [{script: "echo deployed"}]}
      - verify: {tasks: [{script: "echo verified"}]}
`;

test(
  "trigger --wait stops at a manual approval; status shows every stage",
  { timeout: 120_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "a.txt": "1" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "myapp.gocd.yaml": config(repo.path) },
      expectPipelines: ["myapp"],
    });
    const { api } = fawkes;
    await fawkes.diagnose(async () => {
      // The first commit starts run 1 at once; let it reach its approval so the counters below are known.
      await waitForRun(api, "myapp", 1, (candidate) => candidate.awaitingApproval === "deploy");
      const waited = await fawkes.cli(["trigger", "myapp", "--wait"]);
      assert.equal(waited.code, 3, `${waited.stdout}\n${waited.stderr}`);
      assert.match(waited.stdout, /^ {2}build: passed {2}build:passed$/m);
      assert.match(waited.stdout, /^ {2}deploy: awaiting approval \(fawkes approve myapp\/2\/deploy\)$/m);
      assert.match(waited.stdout, /^ {2}verify: pending$/m);
      assert.match(waited.stderr, /\nto continue: fawkes approve myapp\/2\/deploy\n/);
      assert.equal((await api.run("myapp", 2)).awaitingApproval, "deploy");

      const json = await fawkes.cliOk(["status", "myapp", "--json"]);
      const run = (
        JSON.parse(json.stdout) as {
          runs: { counter: number; stages: { name: string; counter: number | null; state: string }[] }[];
        }
      ).runs[0]!;
      assert.equal(run.counter, 2);
      assert.deepEqual(
        run.stages.map(({ name, counter, state }) => ({ name, counter, state })),
        [
          { name: "build", counter: 1, state: "passed" },
          { name: "deploy", counter: null, state: "awaiting approval" },
          { name: "verify", counter: null, state: "pending" },
        ],
      );
      const table = await fawkes.cliOk(["status", "myapp"]);
      assert.match(table.stdout, /build:passed deploy:awaiting approval verify:pending\n/);

      // --wait-through-approvals waits at the approval until someone approves, then to the end of the run.
      const through = fawkes.cli(["trigger", "myapp", "--wait-through-approvals"]);
      await waitForRun(api, "myapp", 3, (candidate) => candidate.awaitingApproval === "deploy");
      await api.approve("myapp", 3, "deploy");
      const passed = await through;
      assert.equal(passed.code, 0, `${passed.stdout}\n${passed.stderr}`);
      assert.match(passed.stdout, /^myapp #3 \(label 3\): passed$/m);
      assert.match(passed.stdout, /^ {2}verify: passed {2}verify:passed$/m);

      // A paused pipeline: the hint to unpause comes once, with the pipeline's name.
      await fawkes.cliOk(["pause", "myapp"]);
      const paused = await runCli(["trigger", "myapp"], {
        server: fawkes.server.url,
        token: fawkes.server.token,
      });
      assert.equal(paused.code, 1);
      assert.equal(paused.stderr.split("fawkes unpause").length - 1, 1, paused.stderr);
      assert.match(paused.stderr, /`fawkes unpause myapp`/);
      assert.doesNotMatch(paused.stderr, /unpause PIPELINE/);
    });
  },
);
