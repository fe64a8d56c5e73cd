import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import type { TestContext } from "node:test";
import type { PipelineRunDto } from "@fawkes/protocol";
import { runFixture, stageFixture } from "./fixtures.ts";
import { cli, fakeServer, sendJson, waitFor } from "./helpers.ts";

/** A fake server whose run advances through `phases` each time the test calls `advance()` (which emits an event). */
async function runningServer(t: TestContext, phases: PipelineRunDto[]) {
  let phase = 0;
  const streams: ServerResponse[] = [];
  const server = await fakeServer(t, (request, response) => {
    if (request.url === "/api/v1/events") {
      response.writeHead(200, { "content-type": "text/event-stream" });
      response.write(": hello\n\n");
      streams.push(response);
    } else if (request.url === "/api/v1/pipelines/app/trigger") {
      sendJson(response, 202, { pipeline: "app", counter: 5, label: "1.5" });
    } else if (request.url === "/api/v1/pipelines") {
      sendJson(response, 200, {
        pipelines: [
          {
            name: "app",
            group: "g",
            paused: false,
            stages: ["test", "package"],
            triggerVariables: [],
            latest: null,
          },
        ],
      });
    } else if (request.url === "/api/v1/pipelines/app/runs/5") {
      sendJson(response, 200, phases[phase]);
    } else if (request.url.startsWith("/api/v1/pipelines/app/runs/5/stages/test/1/jobs/unit/console")) {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join("\n") + "\n");
    } else {
      sendJson(response, 404, { code: "FAWKES_NOT_FOUND", detail: `no route ${request.url}` });
    }
  });
  t.after(() => streams.forEach((stream) => stream.destroy()));
  return {
    url: server.url,
    requests: server.requests,
    advance() {
      phase += 1;
      for (const stream of streams) stream.write(`data: {"type":"run","pipeline":"app","counter":5}\n\n`);
    },
    subscribed: () => streams.length > 0,
  };
}

const building = runFixture(5, "building", [
  stageFixture("test", "building", [{ name: "unit", state: "building", result: "unknown" }]),
]);

test("trigger --wait follows the run through events and exits 0 when it passes", async (t) => {
  const passed = runFixture(5, "passed", [
    stageFixture("test", "passed", [{ name: "unit", state: "completed", result: "passed" }]),
    stageFixture("package", "passed", [{ name: "package", state: "completed", result: "passed" }]),
  ]);
  const server = await runningServer(t, [building, passed]);
  const pending = cli([
    "trigger",
    "app",
    "--wait",
    "--var",
    "A=1",
    "--revision",
    "app=abc",
    "--server",
    server.url,
    "--token",
    "t",
  ]);
  await waitFor(
    () => server.requests.some((request) => request.url === "/api/v1/pipelines/app/runs/5"),
    5000,
    "first fetch",
  );
  server.advance();
  const run = await pending;
  assert.equal(run.code, 0, run.stderr);
  const trigger = server.requests.find((request) => request.url.endsWith("/trigger"));
  assert.deepEqual(JSON.parse(trigger?.body ?? ""), { revisions: { app: "abc" }, variables: { A: "1" } });
  // Not a TTY: lines are appended as they change, stages not reached yet show as pending.
  assert.match(
    run.stdout,
    /app #5 \(label 1\.5\): building\n {2}test: building {2}unit:building\n {2}package: pending\n/,
  );
  assert.match(
    run.stdout,
    /app #5 \(label 1\.5\): passed\n {2}test: passed {2}unit:passed\n {2}package: passed {2}package:passed\n$/,
  );
});

test("trigger --wait exits 1 on failure and prints the failed job's last 20 console lines", async (t) => {
  const failed = runFixture(5, "failed", [
    stageFixture("test", "failed", [{ name: "unit", state: "completed", result: "failed" }]),
  ]);
  const server = await runningServer(t, [building, failed]);
  const pending = cli(["trigger", "app", "--wait", "--server", server.url, "--token", "t"]);
  await waitFor(
    () => server.requests.some((request) => request.url === "/api/v1/pipelines/app/runs/5"),
    5000,
    "first fetch",
  );
  server.advance();
  const run = await pending;
  assert.equal(run.code, 1);
  assert.match(run.stdout, /package: not run/);
  assert.match(run.stdout, /--- app\/5\/test\/1\/unit failed; last 20 console lines ---\nline 11\n/);
  assert.ok(!run.stdout.includes("line 10\n"));
  assert.match(run.stdout, /line 30\n\(full log: fawkes logs app\/5\/test\/1\/unit\)\n$/);
});

test("on a TTY the progress block is redrawn in place", async (t) => {
  const passed = runFixture(5, "passed", [
    stageFixture("test", "passed", [{ name: "unit", state: "completed", result: "passed" }]),
  ]);
  const server = await runningServer(t, [building, passed]);
  const pending = cli(["trigger", "app", "--wait", "--server", server.url, "--token", "t"], {}, true);
  await waitFor(
    () => server.requests.some((request) => request.url === "/api/v1/pipelines/app/runs/5"),
    5000,
    "first fetch",
  );
  server.advance();
  const run = await pending;
  assert.equal(run.code, 0);
  assert.ok(run.stdout.includes("\x1b[3F\x1b[0J"), "moves up over the 3 drawn lines and clears");
});

test("trigger without --wait prints the new run and returns at once", async (t) => {
  const server = await runningServer(t, [building]);
  const run = await cli(["trigger", "app", "--server", server.url, "--token", "t"]);
  assert.equal(run.code, 0);
  assert.equal(run.stdout, "started app/5 (label 1.5)\n");
});

test("trigger --var with an undeclared name prints the server's error, the declared variables, and exits 1", async (t) => {
  const detail =
    'variable "PATH" is not declared by pipeline app: a trigger may only override variables the pipeline declares; ' +
    "declare it under environment_variables (or secure_variables) of the pipeline, a stage or a job";
  const server = await fakeServer(t, (request, response) => {
    if (request.url === "/api/v1/pipelines/app/trigger") {
      response.writeHead(400, { "content-type": "application/problem+json" });
      response.end(
        JSON.stringify({
          type: "about:blank",
          title: "Bad Request",
          status: 400,
          code: "FAWKES_UNDECLARED_VARIABLE",
          detail,
          errors: [{ path: "variables.PATH", message: "not declared by pipeline app" }],
        }),
      );
    } else if (request.url === "/api/v1/pipelines") {
      sendJson(response, 200, {
        pipelines: [
          {
            name: "app",
            group: "g",
            paused: false,
            stages: ["test"],
            triggerVariables: [
              { name: "GREETING", secure: false, value: "hello" },
              { name: "TOKEN", secure: true, value: null },
            ],
            latest: null,
          },
        ],
      });
    } else {
      sendJson(response, 404, { code: "FAWKES_NOT_FOUND", detail: `no route ${request.url}` });
    }
  });
  const run = await cli([
    "trigger",
    "app",
    "--var",
    "PATH=/tmp/evil",
    "--server",
    server.url,
    "--token",
    "t",
  ]);
  assert.equal(run.code, 1);
  assert.equal(run.stdout, "");
  assert.ok(run.stderr.includes(`fawkes: ${detail}`), run.stderr);
  assert.match(run.stderr, /variables\.PATH: not declared by pipeline app \[FAWKES_UNDECLARED_VARIABLE\]/);
  assert.match(run.stderr, /\nvariables pipeline app declares: GREETING, TOKEN \(secure\)\n$/);
  const trigger = server.requests.find((request) => request.url.endsWith("/trigger"));
  assert.deepEqual(JSON.parse(trigger?.body ?? ""), { revisions: {}, variables: { PATH: "/tmp/evil" } });
});
