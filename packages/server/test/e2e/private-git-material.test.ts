/**
 * A private repository over HTTP with Basic auth: credentials reach the agent only inside the job, git gets
 * them from memory, and they are found nowhere on disk, in logs or in the console afterwards; pending agents
 * and repositories with credentials get no prefetch hints.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { AGENT_PROTOCOL_VERSION } from "@fawkes/protocol";
import {
  createGitRepo,
  startFawkes,
  startGitHttpServer,
  storeContents,
  waitFor,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const password = "Pa55-w0rd-0f-the-Pr1vate-Repo";

/** Every file under `dir` (symlinks not followed) whose bytes contain `needle`. */
async function filesContaining(
  dir: string,
  needle: string,
  skip: (file: string) => boolean,
): Promise<string[]> {
  const found: string[] = [];
  const walk = async (current: string): Promise<void> => {
    for (const entry of await readdir(current, { withFileTypes: true }).catch(() => [])) {
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile() && !skip(full) && (await readFile(full)).includes(needle)) found.push(full);
    }
  };
  await walk(dir);
  return found;
}

function gitIn(cwd: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  return new Promise((resolve) =>
    execFile(
      "git",
      args,
      { cwd, env: { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_ASKPASS: "" } },
      (error, stdout, stderr) => resolve({ ok: error === null, output: `${stdout}${stderr}` }),
    ),
  );
}

async function post(
  base: string,
  route: string,
  body: unknown,
  token?: string,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${base}${route}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

test(
  "a job checks out a private repository with credentials that are never written down",
  { timeout: 120_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "app.txt": "private app\n" });
    const http = await startGitHttpServer(t, repo.path, { username: "builder", password });
    // The task prints the password (to show it masked) without spelling it in the config, which is stored.
    const pipelines = `format_version: 10
pipelines:
  private:
    materials:
      app: {git: ${yamlString(http.authenticatedUrl)}, branch: main, auto_update: false}
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec: {command: sh, arguments: ["-c", "cat app.txt && git fetch origin && echo FETCHED-IN-TASK && git remote -v && echo ${password.slice(0, 5)}''${password.slice(5)}"]}
`;
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "p.gocd.yaml": pipelines },
      expectPipelines: ["private"],
    });
    const [agent] = fawkes.agents;
    await fawkes.diagnose(async () => {
      await fawkes.api.trigger("private");
      const run = await waitForRun(fawkes.api, "private", 1, (r) => r.result !== "building");
      const consoleLog = (await fawkes.cliOk(["logs", "private/1/build/compile"])).stdout;
      assert.equal(run.result, "passed", consoleLog);
      assert.match(consoleLog, /private app/);
      assert.match(consoleLog, /FETCHED-IN-TASK/, "a task's git fetch authenticates during the job");
      assert.match(consoleLog, new RegExp(`origin\\s+${http.url.replace(/[.]/g, "\\.")} \\(fetch\\)`));
      assert.ok(!consoleLog.includes(password), "the password is masked in the console");
      assert.match(consoleLog, / \*{6}$/m);

      const workspace = path.join(agent!.workDir, "pipelines", "private");
      const config = await readFile(path.join(workspace, ".git", "config"), "utf8");
      assert.match(config, new RegExp(`url = "${http.url.replace(/[.]/g, "\\.")}"`));
      assert.ok(!config.includes(password) && !config.includes("builder@"), config);
      // After the job the helper answers nothing: the same fetch is refused.
      const after = await gitIn(workspace, ["fetch", "origin"]);
      assert.equal(after.ok, false, after.output);
      assert.ok(!after.output.includes(password));

      const mirrors = path.join(agent!.workDir, "cache", "git");
      const [mirror] = await readdir(mirrors);
      const mirrorConfig = await readFile(path.join(mirrors, mirror!, "config"), "utf8");
      assert.ok(mirrorConfig.includes(http.url) && !mirrorConfig.includes(password), mirrorConfig);
      const serverMirrors = path.join(fawkes.server.dataDir, "materials");
      for (const entry of await readdir(serverMirrors)) {
        const text = await readFile(path.join(serverMirrors, entry, "config"), "utf8");
        assert.ok(!text.includes(password) && !text.includes("builder@"), text);
      }
      assert.deepEqual(await filesContaining(agent!.workDir, password, () => false), [], "agent work dir");
      // The database included (SQLite's files are in the data dir): it holds the credentials only sealed.
      assert.deepEqual(
        await filesContaining(fawkes.server.dataDir, password, () => false),
        [],
        "server data dir",
      );
      assert.ok(!(await storeContents(fawkes.server)).includes(password), "the store, whichever it is");
      assert.ok(!fawkes.server.output().includes(password), "server log");
      assert.ok(!agent!.output().includes(password), "agent log");
      // The server ends the job's wait-cancel poll when it records the result: that is no cancel.
      await waitFor(() => agent!.output().includes("job completed"), {
        message: "the agent's completion line",
      });
      assert.doesNotMatch(agent!.output(), /job cancelled/);
      assert.ok((await stat(path.join(agent!.workDir, "credentials"))).mode % 0o1000 === 0o700);
      assert.deepEqual(
        await readdir(path.join(agent!.workDir, "credentials")),
        [],
        "the job's socket is gone",
      );
    });
  },
);

test(
  "pending agents and repositories with credentials get no prefetch hints",
  { timeout: 120_000 },
  async (t) => {
    const publicRepo = await createGitRepo(t, { "a.txt": "1" });
    const privateRepo = await createGitRepo(t, { "b.txt": "1" });
    const http = await startGitHttpServer(t, privateRepo.path, { username: "builder", password });
    // Jobs the polling agents cannot take: hints, not jobs, end their polls.
    const job = `{resources: [linux], tasks: [{exec: {command: "true"}}]}`;
    // The task prints the password (to show it masked) without spelling it in the config, which is stored.
    const pipelines = `format_version: 10
pipelines:
  public:
    materials:
      m: {git: ${yamlString(publicRepo.path)}, branch: main}
    stages:
      - s: {jobs: {a: ${job}, b: ${job}, c: ${job}}}
  private:
    materials:
      m: {git: ${yamlString(http.authenticatedUrl)}, branch: main}
    stages:
      - s: {jobs: {a: ${job}, b: ${job}, c: ${job}}}
`;
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "p.gocd.yaml": pipelines },
      expectPipelines: ["public", "private"],
      agents: 0,
    });
    const base = fawkes.server.url;
    const register = async (name: string, key: string) => {
      const registered = await post(base, "/agent/v1/register", {
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key,
        name,
        hostname: name,
        resources: ["nothing-needs-this"],
      });
      assert.equal(registered.status, 200, JSON.stringify(registered.body));
      return registered.body.token as string;
    };
    const pending = await register("pending-poller", fawkes.server.agentKey);
    const enabled = await register("enabled-poller", fawkes.server.autoRegisterKey);
    await fawkes.diagnose(async () => {
      const poll = (token: string) => post(base, "/agent/v1/work", { waitMs: 8_000 }, token);
      const pendingPoll = poll(pending);
      let enabledWork: { status: number; body: Record<string, unknown> } | undefined;
      const enabledPoll = poll(enabled).then((work) => (enabledWork = work));
      // Both repositories are notified (the private one first) until the enabled agent's poll ends with a
      // hint: the pending agent's poll, opened first, was waiting through those notifies.
      await waitFor(
        async () => {
          await fawkes.cliOk(["notify", http.url]);
          await fawkes.cliOk(["notify", publicRepo.path]);
          return enabledWork;
        },
        { timeoutMs: 7_000, intervalMs: 100, message: "a hint for the enabled agent" },
      );
      await enabledPoll;
      // The hint may be the notify's (no revision) or, on a busy machine, the fetched revision's: only the
      // repositories hinted matter here.
      const hinted = (enabledWork!.body.prefetch as { url: string }[]).map((hint) => hint.url);
      assert.deepEqual(hinted, [publicRepo.path], "only the repository without credentials is hinted");
      const pendingWork = await pendingPoll;
      assert.equal(pendingWork.status, 200);
      assert.equal(pendingWork.body.job, null);
      assert.equal(pendingWork.body.prefetch, undefined, "a pending agent hears of nothing");
    });
  },
);
