import assert from "node:assert/strict";
import { test } from "node:test";
import { cli, fakeServer, sendJson } from "./helpers.ts";

test("simple commands call their routes with the right bodies", async (t) => {
  const server = await fakeServer(t, (request, response) => {
    if (request.url === "/api/v1/materials/notify")
      sendJson(response, 200, { materials: 1, configSources: 0 });
    else if (request.url.endsWith("/rerun")) sendJson(response, 202, { stage: "test", counter: 2 });
    else if (request.url === "/api/v1/agents/a1") {
      sendJson(response, 200, {
        id: "1",
        name: "a1",
        hostname: "h",
        state: "idle",
        resources: ["linux", "docker"],
        environments: [],
        currentJob: null,
        lastHeartbeatAt: null,
        registeredAt: 1,
        role: null,
      });
    } else {
      response.writeHead(204).end();
    }
  });
  const run = (...argv: string[]) => cli([...argv, "--server", server.url, "--token", "t"]);
  assert.equal(
    (await run("notify", "https://git.example/app.git", "--branch", "main")).stdout,
    "1 material(s) and 0 config source(s) are being checked\n",
  );
  assert.equal((await run("pause", "app", "--reason", "release freeze")).code, 0);
  assert.equal((await run("unpause", "app")).code, 0);
  assert.equal((await run("approve", "app/3/deploy")).code, 0);
  assert.equal((await run("cancel", "app/3")).code, 0);
  assert.equal((await run("cancel", "app/3/test")).code, 0);
  assert.equal(
    (await run("rerun", "app/3/test", "--job", "unit", "--job", "lint")).stdout,
    "rerunning app/3/test/2\n",
  );
  assert.equal((await run("agents", "enable", "a1")).code, 0);
  assert.equal((await run("agents", "disable", "a1")).code, 0);
  assert.equal((await run("agents", "delete", "a1")).code, 0);
  assert.equal(
    (await run("agents", "resources", "a1", "linux, docker")).stdout,
    "a1: resources linux,docker\n",
  );
  const calls = server.requests.map((request) => `${request.method} ${request.url} ${request.body}`);
  assert.deepEqual(calls, [
    'POST /api/v1/materials/notify {"url":"https://git.example/app.git","branch":"main"}',
    'POST /api/v1/pipelines/app/pause {"reason":"release freeze"}',
    "POST /api/v1/pipelines/app/unpause ",
    "POST /api/v1/pipelines/app/runs/3/stages/deploy/approve ",
    "POST /api/v1/pipelines/app/runs/3/cancel ",
    "POST /api/v1/pipelines/app/runs/3/stages/test/cancel ",
    'POST /api/v1/pipelines/app/runs/3/stages/test/rerun {"jobs":["unit","lint"]}',
    "POST /api/v1/agents/a1/enable ",
    "POST /api/v1/agents/a1/disable ",
    "DELETE /api/v1/agents/a1 ",
    'PATCH /api/v1/agents/a1 {"resources":["linux","docker"]}',
  ]);
});

test("logs streams the console, resolving `latest` and passing follow/timestamps", async (t) => {
  const server = await fakeServer(t, (request, response) => {
    if (request.url.startsWith("/api/v1/pipelines/app?")) {
      sendJson(response, 200, {
        pipeline: "app",
        group: "g",
        paused: false,
        pauseReason: null,
        locked: false,
        runs: [],
      });
    } else {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write("first line\n");
      response.end("second line\n");
    }
  });
  const run = await cli([
    "logs",
    "app/4/test/unit",
    "--follow",
    "--no-timestamps",
    "--server",
    server.url,
    "--token",
    "t",
  ]);
  assert.equal(run.code, 0, run.stderr);
  assert.equal(run.stdout, "first line\nsecond line\n");
  assert.equal(
    server.requests[0]?.url,
    "/api/v1/pipelines/app/runs/4/stages/test/latest/jobs/unit/console?offset=0&timestamps=false&follow=true",
  );
  const none = await cli(["logs", "app/latest/test/unit", "--server", server.url, "--token", "t"]);
  assert.equal(none.code, 1);
  assert.match(
    none.stderr,
    /pipeline app has no runs yet \[FAWKES_RUN_NOT_FOUND\]\nstart one with `fawkes trigger app`/,
  );
});
