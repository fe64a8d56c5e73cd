import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { loadServerToken, saveServerToken } from "../src/credentials.ts";
import { cli, fakeServer, sendJson, tempDir } from "./helpers.ts";

test("token rotate asks the server for a new token and saves it in place of the old one", async (t) => {
  const server = await fakeServer(t, (request, response) => {
    if (request.method === "POST" && request.url === "/api/v1/api-token/rotate")
      sendJson(response, 200, { token: "new-token" });
    else sendJson(response, 404, {});
  });
  const env = { XDG_CONFIG_HOME: join(tempDir(t), "config") };
  saveServerToken(server.url, "old-token", "/data", env, { cloudUrl: "http://127.0.0.1:8154" });
  const run = await cli(["token", "rotate", "--server", server.url], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /API token rotated; the new one is saved to /);
  assert.ok(!run.stdout.includes("new-token"), "a saved token is not printed");
  assert.equal(server.requests[0]?.headers.authorization, "Bearer old-token");
  const saved = loadServerToken(server.url, env);
  assert.equal(saved?.token, "new-token");
  assert.equal(saved?.dataDir, "/data");
  assert.equal(saved?.cloudUrl, "http://127.0.0.1:8154");
});

test("token rotate prints the new token once when none was saved for the server", async (t) => {
  const server = await fakeServer(t, (_request, response) => sendJson(response, 200, { token: "new-token" }));
  const run = await cli(["token", "rotate", "--server", server.url, "--json"], {
    XDG_CONFIG_HOME: join(tempDir(t), "config"),
    FAWKES_TOKEN: "env-token",
  });
  assert.equal(run.code, 0, run.stderr);
  assert.deepEqual(JSON.parse(run.stdout), { token: "new-token" });
});
