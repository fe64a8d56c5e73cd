import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { saveServerToken } from "../src/credentials.ts";
import { projectStatus } from "../src/status-view.ts";
import { statusFixture } from "./fixtures.ts";
import { cli, fakeServer, sendJson, tempDir } from "./helpers.ts";

/** The pipeline list answer: the config's stages, which the status fills in for runs that did not reach them. */
const pipelineList = { pipelines: [] };

const expected = {
  pipeline: "dummy-application",
  paused: false,
  runs: [
    {
      counter: 2,
      label: "1.2",
      result: "building",
      stages: [
        {
          name: "test",
          counter: 1,
          result: "passed",
          state: "passed",
          jobs: [{ name: "test", state: "completed", result: "passed" }],
        },
        {
          name: "package",
          counter: 1,
          result: "building",
          state: "building",
          jobs: [{ name: "package", state: "building", result: "unknown" }],
        },
      ],
    },
    {
      counter: 1,
      label: "1.1",
      result: "failed",
      stages: [
        {
          name: "test",
          counter: 1,
          result: "failed",
          state: "failed",
          jobs: [{ name: "test", state: "completed", result: "failed" }],
        },
      ],
    },
  ],
};

test("status projection keeps exactly the contract's keys, newest run first", () => {
  assert.deepEqual(projectStatus(statusFixture), expected);
});

test("fawkes status --json fetches with the saved token and prints the projection", async (t) => {
  const server = await fakeServer(t, (request, response) => {
    if (request.url.startsWith("/api/v1/pipelines/dummy-application")) sendJson(response, 200, statusFixture);
    else if (request.url === "/api/v1/pipelines") sendJson(response, 200, pipelineList);
    else sendJson(response, 404, {});
  });
  const env = { XDG_CONFIG_HOME: join(tempDir(t), "config") };
  saveServerToken(server.url.replace("127.0.0.1", "localhost"), "saved-token", "/data", env);
  const run = await cli(
    ["status", "dummy-application", "--json", "--limit", "5", "--server", server.url],
    env,
  );
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), expected);
  const statusRequest = server.requests.find((request) => request.url.includes("dummy-application"));
  assert.equal(statusRequest?.url, "/api/v1/pipelines/dummy-application?limit=5");
  assert.equal(statusRequest?.headers.authorization, "Bearer saved-token");
});

test("fawkes status prints a readable table; --token and $FAWKES_TOKEN take precedence", async (t) => {
  const server = await fakeServer(t, (request, response) =>
    sendJson(response, 200, request.url === "/api/v1/pipelines" ? pipelineList : statusFixture),
  );
  const run = await cli(["status", "dummy-application", "--server", server.url], {
    FAWKES_TOKEN: "env-token",
  });
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^dummy-application \(group examples\)\n/);
  assert.match(run.stdout, /RUN +LABEL +RESULT +TRIGGER +STAGES/);
  assert.match(run.stdout, /2 +1\.2 +building +material by changes +test:passed package:building/);
  assert.ok(run.stdout.indexOf("1.2") < run.stdout.indexOf("1.1"), "newest first");
  assert.equal(server.requests[0]?.headers.authorization, "Bearer env-token");
  const before = server.requests.length;
  await cli(["status", "dummy-application", "--server", server.url, "--token", "flag-token"], {
    FAWKES_TOKEN: "env-token",
  });
  assert.equal(server.requests[before]?.headers.authorization, "Bearer flag-token");
});

test("problem+json errors show detail, code and a hint; exit 1", async (t) => {
  const server = await fakeServer(t, (_request, response) =>
    sendJson(
      response,
      404,
      {
        type: "about:blank",
        title: "Not Found",
        status: 404,
        code: "FAWKES_PIPELINE_NOT_FOUND",
        detail: "no pipeline named nope",
      },
      "application/problem+json",
    ),
  );
  const run = await cli(["status", "nope", "--server", server.url, "--token", "t"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^fawkes: no pipeline named nope \[FAWKES_PIPELINE_NOT_FOUND\]\n.+/);
  assert.equal(run.stdout, "");
});

test("401 suggests how to pass a token", async (t) => {
  const server = await fakeServer(t, (_request, response) =>
    sendJson(response, 401, {
      type: "about:blank",
      title: "Unauthorized",
      status: 401,
      code: "FAWKES_UNAUTHORIZED",
      detail: "missing bearer token",
    }),
  );
  const run = await cli(["agents", "--server", server.url], { XDG_CONFIG_HOME: tempDir(t) });
  assert.equal(run.code, 1);
  assert.match(
    run.stderr,
    /missing bearer token \[FAWKES_UNAUTHORIZED\]\npass --token TOKEN or set FAWKES_TOKEN/,
  );
});

test("a response that does not match the schema is an error, not garbage output", async (t) => {
  const server = await fakeServer(t, (_request, response) => sendJson(response, 200, { pipeline: "x" }));
  const run = await cli(["status", "x", "--json", "--server", server.url, "--token", "t"]);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /unexpected response shape/);
  assert.equal(run.stdout, "");
});
