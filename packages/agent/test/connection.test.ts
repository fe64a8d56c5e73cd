import assert from "node:assert/strict";
import { stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test } from "node:test";
import { startAgent } from "@fawkes/agent";
import { FakeServer } from "./support/fake-server.ts";
import {
  jobAssignment,
  uniqueSleep,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
  waitFor,
} from "./support/helpers.ts";

test("a restarted agent re-registers with its saved identity", async (t) => {
  const server = await startServer(t);
  const workDir = await tempDir(t);
  const first = await startTestAgent(t, server, workDir);
  await waitFor("registration", () => first.agentId() !== undefined);
  const agentId = first.agentId();
  assert.equal((await stat(join(workDir, "agent.json"))).mode & 0o777, 0o600);
  await first.stop();

  const second = await startTestAgent(t, server, workDir);
  await waitFor("re-registration", () => server.registrations.length === 2);
  const request = server.registrations[1]!;
  assert.equal(request.agentId, agentId);
  assert.equal(request.token, server.agents.get(agentId!));
  assert.equal(request.protocolVersion, 1);
  await waitFor("the same id", () => second.agentId() === agentId);
});

test("a 401 makes the agent register again before retrying", async (t) => {
  const server = await startServer(t);
  const agent = await startTestAgent(t, server);
  await waitFor("registration", () => agent.agentId() !== undefined);
  const forgotten = agent.agentId();
  // The server forgets the agent (e.g. its database was reset): the token no longer works.
  server.agents.clear();
  const job = jobAssignment({ tasks: [sh("echo hello")] });
  assert.equal(await runToCompletion(server, job), "passed");
  // Like the real server, the fake refuses the identity it no longer knows (401 FAWKES_AGENT_IDENTITY_UNKNOWN):
  // the agent then registers without it.
  assert.ok(server.registrations.length >= 3, "registered again after the 401, then afresh");
  assert.equal(server.registrations[1]?.agentId, forgotten, "it first tried its saved identity");
  assert.equal(server.registrations.at(-1)?.agentId, undefined, "the last registration carries no identity");
  assert.notEqual(agent.agentId(), undefined);
  assert.notEqual(agent.agentId(), forgotten);
});

test("409 FAWKES_LEASE_LOST fences the job: processes killed, nothing more reported", async (t) => {
  const server = await startServer(t);
  await startTestAgent(t, server);
  const child = uniqueSleep();
  const script = `${child.command} & echo started; sleep 0.5; echo more; wait`;
  const job = jobAssignment({ tasks: [sh(script), sh("echo second", { runIf: ["any"] })] });
  const record = server.assign(job);
  await waitFor("the task to start", () => server.consoleText(job.jobRunId).includes("started"));
  server.fencedJobs.add(job.jobRunId);
  const fencedAt = server.received.length;
  // The next console batch ("more") gets 409; after that the agent goes quiet and takes new work.
  const next = jobAssignment({ tasks: [sh("echo next job")] });
  assert.equal(await runToCompletion(server, next), "passed");
  const laterCalls = server.received
    .slice(fencedAt)
    .filter((r) => r.path.startsWith(`/agent/v1/jobs/${job.jobRunId}/`));
  assert.ok(laterCalls.length >= 1, "the agent hit the fence");
  assert.ok(
    laterCalls.every((r) => !r.path.endsWith("/complete")),
    "no complete after the fence",
  );
  assert.equal(record.result, undefined);
  assert.doesNotMatch(server.consoleText(job.jobRunId), /second/);
  assert.equal(await child.alive(), false, "the fenced job's processes were killed");
});

test("the agent reconnects after a server restart and the running job completes", async (t) => {
  const server = new FakeServer();
  await server.start();
  t.after(() => server.stop());
  const logs: string[] = [];
  const workDir = await tempDir(t);
  const agent = await startAgent({
    serverUrl: server.url,
    key: "k",
    name: "reconnecting",
    resources: [],
    environments: [],
    workDir,
    workWaitMs: 1_000,
    log: (_level, msg) => logs.push(msg),
  });
  t.after(() => agent.stop());
  const job = jobAssignment({
    tasks: [sh("echo before; while [ ! -e go-on ]; do sleep 0.05; done; echo after")],
  });
  const record = server.assign(job);
  await waitFor("the task to start", () => server.consoleText(job.jobRunId).includes("before"));

  await server.stop();
  await writeFile(join(workDir, "pipelines", "demo", "go-on"), "");
  await waitFor("the outage to be noticed", () => logs.includes("server unreachable; retrying with backoff"));
  await server.start();

  await waitFor("the job to complete after the restart", () => record.result !== undefined);
  assert.equal(record.result, "passed");
  assert.match(server.consoleText(job.jobRunId), /^after$/m);
  assert.equal(
    logs.filter((msg) => msg === "server unreachable; retrying with backoff").length,
    1,
    "logged once per outage",
  );
  assert.ok(logs.includes("server reachable again"));
  assert.equal(await runToCompletion(server, jobAssignment({ tasks: [sh("true")] })), "passed");
});
