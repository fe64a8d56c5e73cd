/**
 * Console stamps travel with the lines (agent protocol): each line is shown with the time the agent read it
 * (AgentHeader.consoleLineTimes), a batch without line times with its batch time (an older agent), and a time
 * ahead of the server with the time it arrived. Every agent answer carries the server's clock, from which agents
 * estimate their skew.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { AgentHeader, ApiRoutes, apiPath } from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import { appendConsole, playUntil, registerAgent } from "./agent-player.ts";
import { startHttpServer } from "./http-server.ts";

const pipelineYaml = (repo: string): string => `
format_version: 10
pipelines:
  stamps:
    group: g
    materials:
      src: {git: ${yamlString(repo)}, branch: main}
    stages:
      - build: {jobs: {compile: {tasks: [{exec: {command: "true"}}]}}}
`;

const clock = (time: number): string => new Date(time).toISOString().slice(11, 23);

test("each console line is stamped with the time the agent read it", { timeout: 60_000 }, async (t) => {
  const repo = await createGitRepo(t, { "README.md": "x\n" });
  const config = await writePipelineDir(t, { "stamps.gocd.yaml": pipelineYaml(repo.path) });
  const server = await startHttpServer(t, { pipelineSources: [config] });
  const user = { authorization: `Bearer ${server.keys.apiToken}` };
  const agent = await registerAgent(server, server.keys.autoRegisterKey, "stamper");
  await waitFor(
    async () =>
      (
        await fetch(server.url + apiPath(ApiRoutes.trigger, { name: "stamps" }), {
          method: "POST",
          headers: { ...user, "content-type": "application/json" },
          body: "{}",
        })
      ).status === 202,
    { message: "pipeline stamps to load and trigger" },
  );
  const job = await playUntil(server, agent, async (assigned) => assigned, "the job to be assigned");

  const t0 = Date.now() - 60_000;
  const before = Date.now();
  const answer = await appendConsole(server, agent, job, "first\nsecond\nthird\n", {
    [AgentHeader.consoleTime]: String(t0),
    [AgentHeader.consoleLineTimes]: `0:${t0},6:${t0 + 1_234},13:${t0 + 2_500}`,
  });
  const serverTime = Number(answer.headers.get(AgentHeader.serverTime));
  assert.ok(
    serverTime >= before && serverTime <= Date.now(),
    `server time ${serverTime} is the server's clock`,
  );
  // An agent before line times: the batch's time for every line.
  await appendConsole(server, agent, job, "old\nagent\n", { [AgentHeader.consoleTime]: String(t0 + 5_000) });
  // A clock ahead of the server: no line is shown later than it arrived.
  const sent = Date.now();
  await appendConsole(server, agent, job, "ahead\n", {
    [AgentHeader.consoleTime]: String(sent + 3_600_000),
    [AgentHeader.consoleLineTimes]: `0:${sent + 3_600_000}`,
  });
  const arrived = Date.now();

  const consolePath = apiPath(ApiRoutes.console, {
    name: "stamps",
    counter: 1,
    stage: "build",
    stageCounter: 1,
    job: "compile",
  });
  const text = await (await fetch(server.url + consolePath, { headers: user })).text();
  const lines = text.split("\n").filter(Boolean);
  assert.deepEqual(lines.slice(0, 5), [
    `${clock(t0)} first`,
    `${clock(t0 + 1_234)} second`,
    `${clock(t0 + 2_500)} third`,
    `${clock(t0 + 5_000)} old`,
    `${clock(t0 + 5_000)} agent`,
  ]);
  const ahead = lines[5] ?? "";
  assert.match(ahead, / ahead$/);
  const shown = ahead.slice(0, 12);
  assert.ok(shown >= clock(sent) && shown <= clock(arrived), `${shown} is the arrival time`);
});
