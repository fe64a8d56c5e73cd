/**
 * Lease fencing against the real server: a real agent partitioned (behind a TCP proxy the test cuts) until the
 * server declares it lost, the job reassigned to a second real agent that completes it, then the partition healed.
 * The first agent must stop its task and log the fence; every late report under its old lease (state, console,
 * artifact, complete) gets 409 FAWKES_LEASE_LOST; the recorded result, console and artifacts are the second agent's.
 */
import assert from "node:assert/strict";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { AgentHeader, ApiRoutes, ErrorCode, apiPath } from "@fawkes/protocol";
import {
  createGitRepo,
  startFawkes,
  startTcpProxy,
  summarizeRun,
  tempDir,
  waitFor,
  waitForAgent,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

/** A `sleep` with a duration no other process uses, found by its command line (tasks run in a PID namespace). */
const lateSleep = `1000.${process.pid}${Math.floor(Math.random() * 1e9)}`;

async function lateSleepAlive(): Promise<boolean> {
  const wanted = `sleep\0${lateSleep}\0`;
  for (const entry of await readdir("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, "latin1").catch(() => "");
    if (cmdline !== wanted) continue;
    const stat = await readFile(`/proc/${entry}/stat`, "latin1").catch(() => "");
    // A zombie has already been killed; only its parent has not reaped it yet.
    if (stat !== "" && stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z") return true;
  }
  return false;
}

// WHO comes from each agent's environment. The first attempt waits until the test has cut its network, then
// prints a line and starts a long sleep: both happen only on the partitioned side.
const script = [
  'echo "attempt on $WHO"',
  'mkdir -p out && echo "$WHO" > out/who.txt',
  'if [ "$WHO" = first ]; then',
  '  touch "$GATE/first-started"',
  '  i=0; while [ ! -f "$GATE/partitioned" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done',
  '  echo "late line from $WHO"',
  "  exec sleep $LATE_SLEEP",
  "fi",
].join("\n");

const pipelineYaml = (repoPath: string, gate: string) => `
format_version: 10
pipelines:
  fenced:
    group: e2e
    materials:
      src:
        git: ${yamlString(repoPath)}
        branch: main
    stages:
      - only:
          jobs:
            work:
              environment_variables:
                GATE: ${yamlString(gate)}
                LATE_SLEEP: ${yamlString(lateSleep)}
              tasks:
                - exec:
                    command: sh
                    arguments: ["-c", ${yamlString(script)}]
              artifacts:
                - build:
                    source: out/who.txt
                    destination: out
`;

const locator = { name: "fenced", counter: 1, stage: "only", stageCounter: 1, job: "work" };

test(
  "a partitioned agent loses its lease: its task is killed, its late reports get 409, the result is the second agent's",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const gate = await tempDir(t, "fawkes-gate-");
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "fenced.gocd.yaml": pipelineYaml(repo.path, gate) },
      expectPipelines: ["fenced"],
      agents: 0,
      serverEnv: { FAWKES_AGENT_LOST_AFTER_MS: "2000" },
    });
    const { api, server } = fawkes;
    const proxy = await startTcpProxy(t, server.url);

    await fawkes.diagnose(async () => {
      const first = await fawkes.addAgent("agent-1", { serverUrl: proxy.url, env: { WHO: "first" } });
      await repo.commit({ "README.md": "x\n" }, "first");
      await fawkes.cliOk(["notify", repo.path]);
      await waitFor(() => readFile(path.join(gate, "first-started")).then(() => true), {
        timeoutMs: 30_000,
        message: "the first attempt to start on agent-1",
        abortIf: () => (first.process.hasExited() ? "agent-1 exited" : undefined),
      });

      // Cut only once the server has the first attempt's line: the agent sends it as it is printed, but a cut
      // right after the gate file appears could otherwise come first.
      await waitFor(
        async () =>
          (await api.console("fenced", 1, "only", "work", 1).catch(() => "")).includes("attempt on first"),
        { timeoutMs: 30_000, message: "the first attempt's line on the server" },
      );
      proxy.cut();
      await writeFile(path.join(gate, "partitioned"), "");
      await waitFor(lateSleepAlive, { message: "the first attempt's late sleep to start" });
      await fawkes.addAgent("agent-2", { env: { WHO: "second" } });
      await waitForAgent(api, "agent-1", "lost", { timeoutMs: 15_000 });

      const run = await waitForRun(api, "fenced", 1, undefined, { timeoutMs: 30_000 });
      const job = run.stages[0]?.jobs[0];
      assert.equal(run.result, "passed", summarizeRun(run));
      const agent2 = (await api.agents()).agents.find((agent) => agent.name === "agent-2");
      assert.ok(job?.agent === "agent-2" || job?.agent === agent2?.id, summarizeRun(run));

      // Healed: the real agent learns its lease is gone, kills its task and says so.
      proxy.heal();
      await waitFor(async () => !(await lateSleepAlive()), {
        timeoutMs: 20_000,
        message: "agent-1 to kill its fenced task",
      });
      await waitFor(() => first.output().includes("lease lost; job stopped"), {
        timeoutMs: 10_000,
        message: "agent-1 to log the fence",
      });

      // Every late report under agent-1's old lease is refused and changes nothing.
      const sent = proxy.clientBytes();
      const token = /authorization: Bearer (\S+)/i.exec(sent)?.[1];
      const lease = new RegExp(`${AgentHeader.lease}: (\\S+)`, "i").exec(sent)?.[1];
      assert.ok(
        token !== undefined && lease !== undefined,
        "agent-1's token and lease seen through the proxy",
      );
      const jobRunId = /\/agent\/v1\/jobs\/(\d+)\//.exec(sent)?.[1];
      assert.ok(jobRunId !== undefined);
      const late = (method: string, sub: string, body: string, contentType: string) =>
        fetch(`${server.url}/agent/v1/jobs/${jobRunId}/${sub}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            [AgentHeader.lease]: lease,
            "content-type": contentType,
          },
          body,
        });
      const lateReports = [
        ["POST", "state", JSON.stringify({ state: "completing" }), "application/json"],
        ["POST", "console", "late console from first\n", "text/plain"],
        ["PUT", "artifacts/out/who.txt", "first\n", "application/octet-stream"],
        ["POST", "complete", JSON.stringify({ result: "failed" }), "application/json"],
      ] as const;
      for (const [method, sub, body, contentType] of lateReports) {
        const answer = await late(method, sub, body, contentType);
        const problem = (await answer.json()) as { code?: string };
        assert.equal(answer.status, 409, `${method} ${sub}`);
        assert.equal(problem.code, ErrorCode.leaseLost, `${method} ${sub}`);
      }

      const after = await api.run("fenced", 1);
      assert.equal(after.result, "passed", summarizeRun(after));
      assert.equal(after.stages[0]?.jobs[0]?.result, "passed", summarizeRun(after));
      const consoleLog = await api.console("fenced", 1, "only", "work", 1);
      assert.match(consoleLog, /attempt on first/);
      assert.match(consoleLog, /attempt on second/);
      assert.doesNotMatch(consoleLog, /late line from first/);
      assert.doesNotMatch(consoleLog, /late console from first/);
      const artifact = await api.request(
        "GET",
        apiPath(ApiRoutes.artifactFile.replace("*", "out/who.txt"), locator),
      );
      assert.equal(artifact.status, 200);
      assert.equal(await artifact.text(), "second\n");
    });
  },
);
