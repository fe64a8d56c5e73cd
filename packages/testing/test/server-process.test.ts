import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes } from "@fawkes/protocol";
import { runCli, startServerProcess } from "@fawkes/testing";

test(
  "startServerProcess starts a real server, reads its keys, and restarts it on the same port",
  { timeout: 60_000 },
  async (t) => {
    const server = await startServerProcess(t);
    assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(
      server.token,
      (await readFile(path.join(server.dataDir, "keys", "api-token"), "utf8")).trim(),
    );
    assert.notEqual(server.agentKey, server.autoRegisterKey);
    assert.deepEqual((await server.api.agents()).agents, []);

    const status = await runCli(["agents", "--json"], { server: server.url, token: server.token });
    assert.equal(status.code, 0, status.stderr);

    const { port, token } = server;
    const firstPid = server.process.child.pid;
    await server.kill("SIGKILL");
    assert.ok(server.process.hasExited());
    await server.restart();
    assert.notEqual(server.process.child.pid, firstPid);
    assert.equal(server.port, port);
    assert.equal(server.token, token, "keys are stable across restarts");
    assert.equal((await server.api.request("GET", ApiRoutes.health, { anonymous: true })).status, 200);
  },
);

test(
  "startServerProcess fails fast, with the server's output, when the server cannot start",
  { timeout: 30_000 },
  async (t) => {
    const started = Date.now();
    await assert.rejects(
      startServerProcess(t, { env: { FAWKES_AGENT_LOST_AFTER_MS: "not-a-number" }, startTimeoutMs: 25_000 }),
      (error: unknown) =>
        error instanceof Error &&
        /server process exited/.test(error.message) &&
        /fawkes server/.test(error.message),
    );
    assert.ok(Date.now() - started < 20_000, "did not wait for the deadline");
  },
);
