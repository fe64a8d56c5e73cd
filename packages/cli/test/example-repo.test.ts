import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { saveServerToken } from "../src/credentials.ts";
import { installNotifyHook, prepareExampleRepo } from "../src/example-repo.ts";
import { fakeServer, mainScript, sendJson, tempDir, waitFor } from "./helpers.ts";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
  }).trim();

test("the example becomes a committed git repository on branch main, once", (t) => {
  const data = tempDir(t);
  const repo = prepareExampleRepo(data);
  assert.equal(repo, join(data, "example", "dummy-application"));
  assert.equal(git(repo, "rev-parse", "--abbrev-ref", "HEAD"), "main");
  assert.equal(git(repo, "status", "--porcelain"), "");
  assert.ok(existsSync(join(repo, "ci.gocd.yaml")));
  assert.ok(existsSync(join(repo, "src", "server.ts")));
  const head = git(repo, "rev-parse", "HEAD");
  prepareExampleRepo(data);
  assert.equal(git(repo, "rev-parse", "HEAD"), head, "a second start keeps the repository as it is");
});

test("the post-commit hook notifies the server about each commit", async (t) => {
  const server = await fakeServer(t, (_request, response) =>
    sendJson(response, 200, { materials: 1, configSources: 1 }),
  );
  const data = tempDir(t);
  const repo = prepareExampleRepo(data);
  const hook = installNotifyHook(repo, server.url, mainScript);
  assert.equal(statSync(hook).mode & 0o111, 0o111, "executable");
  assert.match(readFileSync(hook, "utf8"), /^#!\/bin\/sh\n/);
  writeFileSync(join(repo, "README.md"), "changed\n");
  git(repo, "commit", "-qam", "change");
  const request = await waitFor(
    () => server.requests.find((r) => r.url === "/api/v1/materials/notify"),
    10_000,
    "notify request",
  );
  assert.equal(request.method, "POST");
  assert.deepEqual(JSON.parse(request.body), { url: repo });
});

test("the hook finds the token where fawkes up saved it, whatever the committing shell's XDG_CONFIG_HOME", async (t) => {
  const server = await fakeServer(t, (_request, response) =>
    sendJson(response, 200, { materials: 1, configSources: 1 }),
  );
  const data = tempDir(t);
  const configHome = tempDir(t);
  saveServerToken(server.url, "the-up-token", data, { XDG_CONFIG_HOME: configHome });
  const repo = prepareExampleRepo(data);
  installNotifyHook(repo, server.url, mainScript, { configHome });
  writeFileSync(join(repo, "README.md"), "changed\n");
  execFileSync("git", ["commit", "-qam", "change"], {
    cwd: repo,
    env: { ...process.env, GIT_TERMINAL_PROMPT: "0", XDG_CONFIG_HOME: tempDir(t) },
  });
  const request = await waitFor(
    () => server.requests.find((r) => r.url === "/api/v1/materials/notify"),
    10_000,
    "notify request",
  );
  assert.equal(request.headers.authorization, "Bearer the-up-token");
});
