/**
 * Streamed replies (artifact downloads, a followed console, the event stream) are sent once, and a client that
 * goes away in the middle leaves no warning or error in the server log (at most a debug line).
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { Writable } from "node:stream";
import test from "node:test";
import { ApiRoutes, apiPath } from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import { pino } from "pino";
import { appendConsole, completeJob, playUntil, registerAgent, uploadArtifact } from "./agent-player.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

const pipelineYaml = (repo: string): string => `
format_version: 10
pipelines:
  demo:
    group: streams
    materials:
      src:
        git: ${yamlString(repo)}
        branch: main
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec:
                    command: "true"
      - test:
          jobs:
            check:
              tasks:
                - exec:
                    command: "true"
`;

/** Opens `target` with the API token, waits for the first body bytes, then drops the connection. */
function readThenHangUp(server: HttpServer, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, server.host);
    let head = "";
    socket.on("data", (chunk: Buffer) => {
      head += chunk.toString("latin1");
      const end = head.indexOf("\r\n\r\n");
      if (end >= 0 && head.length > end + 4) {
        socket.destroy();
        resolve(head.slice(0, head.indexOf("\r\n")));
      }
    });
    socket.on("error", reject);
    socket.write(
      `GET ${target} HTTP/1.1\r\nhost: ${server.host}:${server.port}\r\n` +
        `authorization: Bearer ${server.keys.apiToken}\r\n\r\n`,
    );
  });
}

test("streamed replies are sent once and a client hanging up is no error", { timeout: 60_000 }, async (t) => {
  const lines: { level: number; msg?: string; err?: unknown }[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n").filter(Boolean))
        lines.push(JSON.parse(line) as (typeof lines)[number]);
      done();
    },
  });
  const repo = await createGitRepo(t, { "README.md": "demo\n" });
  const config = await writePipelineDir(t, { "demo.gocd.yaml": pipelineYaml(repo.path) });
  const server = await startHttpServer(t, {
    pipelineSources: [config],
    log: pino({ level: "debug" }, sink),
  });
  const user = { authorization: `Bearer ${server.keys.apiToken}` };
  const builder = await registerAgent(server, server.keys.autoRegisterKey, "builder");
  await waitFor(
    async () =>
      (
        await fetch(server.url + apiPath(ApiRoutes.trigger, { name: "demo" }), {
          method: "POST",
          headers: { ...user, "content-type": "application/json" },
          body: "{}",
        })
      ).status === 202,
    { message: "pipeline demo to load and trigger" },
  );
  // 4 MiB: far more than the socket buffers, so the download is still flowing when the client hangs up.
  const big = Buffer.alloc(4 * 1024 * 1024, "fawkes\n");
  const running = await playUntil(
    server,
    builder,
    async (job) => {
      if (job.locator.job === "check") return job;
      await uploadArtifact(server, builder, job, "big.bin", big);
      await completeJob(server, builder, job);
      return undefined;
    },
    "the check job to be assigned",
  );
  await appendConsole(server, builder, running, "first line\n");
  const jobPath = (route: string): string =>
    apiPath(route, { name: "demo", counter: 1, stage: "build", stageCounter: 1, job: "compile" });

  // Whole replies, sent once with the right length.
  const whole = await fetch(server.url + jobPath(ApiRoutes.artifactFile).replace(/\*$/, "big.bin"), {
    headers: user,
  });
  assert.equal(whole.status, 200);
  assert.equal(Buffer.from(await whole.arrayBuffer()).equals(big), true);

  // Clients that hang up mid-stream: a download, a followed console, the event stream.
  const connections = (): Promise<number> =>
    new Promise((resolve, reject) =>
      server.app.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
    );
  const before = await connections();
  const downloadPath = jobPath(ApiRoutes.artifactFile).replace(/\*$/, "big.bin");
  assert.match(await readThenHangUp(server, downloadPath), / 200 /);
  const consolePath =
    apiPath(ApiRoutes.console, {
      name: "demo",
      counter: 1,
      stage: "test",
      stageCounter: 1,
      job: "check",
    }) + "?follow=true";
  assert.match(await readThenHangUp(server, consolePath), / 200 /);
  assert.match(await readThenHangUp(server, ApiRoutes.events), / 200 /);
  await waitFor(async () => (await connections()) <= before, {
    message: "the server to see every client go",
  });
  // The server still answers, and the followed job can still complete.
  assert.equal((await fetch(server.url + ApiRoutes.health)).status, 200);
  await completeJob(server, builder, running);

  const loud = lines.filter((line) => line.level >= 40);
  assert.deepEqual(loud, [], "warnings or errors in the server log");
  assert.ok(!JSON.stringify(lines).includes("ERR_HTTP_HEADERS_SENT"));
});
