/** Pending agents, resources, and a queued job that says why it waits. */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import test from "node:test";
import { AGENT_PROTOCOL_VERSION } from "@fawkes/protocol";
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
    // The agent machine has no enabled → enabled edge: enabling again is accepted and changes nothing.
    await fawkes.cliOk(["agents", "enable", "builder"]);
    assert.equal((await api.agents()).agents.find((a) => a.name === "builder")?.state, "idle");
  });
});

test(
  "an agent's long polls over one kept-alive connection leave nothing behind on it",
  { timeout: 60_000 },
  async (t) => {
    const fawkes = await startFawkes(t, { pipelineFiles: {}, agents: 0 });
    const connection = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => connection.destroy());
    const ports = new Set<number>();
    const post = (path: string, body: unknown, token?: string) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request(`${fawkes.server.url}${path}`, {
          method: "POST",
          agent: connection,
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        });
        req.on("socket", (socket) => {
          if (socket.connecting) socket.once("connect", () => ports.add(socket.localPort ?? 0));
          else ports.add(socket.localPort ?? 0);
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
          res.on("end", () =>
            resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }),
          );
        });
        req.on("error", reject);
        req.end(JSON.stringify(body));
      });
    const registered = await post("/agent/v1/register", {
      protocolVersion: AGENT_PROTOCOL_VERSION,
      key: fawkes.server.autoRegisterKey,
      name: "poller",
      hostname: "poller",
      resources: [],
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    // Node warns once an emitter has more than 10 listeners of one event: a listener left per poll shows.
    for (let poll = 0; poll < 20; poll++) {
      const work = await post("/agent/v1/work", { waitMs: 0 }, registered.body.token as string);
      assert.equal(work.status, 200, JSON.stringify(work.body));
    }
    assert.equal(ports.size, 1, "every poll went over the same connection");
    await fawkes.api.get("/api/v1/health");
    assert.doesNotMatch(fawkes.server.output(), /MaxListenersExceededWarning/);
  },
);
