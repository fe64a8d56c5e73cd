/**
 * A config repository (a git URL scanned for *.gocd.yaml): a commit to it reloads the config on notify; a bad
 * commit is reported and the last valid pipeline keeps running. Secure variables never reach the console.
 */
import assert from "node:assert/strict";
import test from "node:test";
import type { ConfigHealthDto, PipelineListDto } from "@fawkes/protocol";
import {
  createGitRepo,
  startAgentProcess,
  startServerProcess,
  waitFor,
  waitForAgent,
  waitForRun,
  yamlString,
} from "@fawkes/testing";

const SECRET = "hunter2-very-secret";
const pipeline = (app: string, command: string) => `format_version: 10
pipelines:
  from-config-repo:
    secure_variables:
      TOKEN: ${SECRET}
    materials:
      app: {git: ${yamlString(app)}, branch: main}
    stages:
      - s:
          jobs:
            j:
              tasks: [{exec: {command: sh, arguments: ["-c", ${JSON.stringify(command)}]}}]
`;

test(
  "a config repository reloads on notify, keeps the last valid version, and secrets are masked",
  { timeout: 90_000 },
  async (t) => {
    const app = await createGitRepo(t, { "a.txt": "1" });
    const config = await createGitRepo(t, {
      "ci.gocd.yaml": pipeline(app.path, "echo token=$TOKEN; echo v1"),
    });
    const server = await startServerProcess(t, { pipelines: [config.url] });
    const agent = await startAgentProcess(t, {
      serverUrl: server.url,
      key: server.autoRegisterKey,
      name: "a1",
    });
    await waitForAgent(server.api, "a1", "idle", { agent });
    const { api } = server;

    const first = await waitForRun(api, "from-config-repo", 1, (run) => run.result !== "building");
    assert.equal(first.result, "passed");
    const log1 = await (
      await api.request("GET", "/api/v1/pipelines/from-config-repo/runs/1/stages/s/latest/jobs/j/console")
    ).text();
    assert.match(log1, /token=\*\*\*\*\*\*/);
    assert.doesNotMatch(log1, new RegExp(SECRET));

    // A broken commit: reported with file:line:column, the pipeline stays loaded.
    await config.commit(
      { "ci.gocd.yaml": pipeline(app.path, "echo v2").replace("stages:", "stagez:") },
      "break config",
    );
    await api.notify(config.url);
    const broken = await waitFor(
      async () => {
        const health = await api.get<ConfigHealthDto>("/api/v1/config/errors");
        return health.errors.length > 0 ? health : undefined;
      },
      { timeoutMs: 15_000, message: "the config error" },
    );
    assert.match(broken.errors[0]!.file, /ci\.gocd\.yaml$/);
    assert.ok(broken.errors[0]!.line > 1);
    assert.deepEqual(
      (await api.get<PipelineListDto>("/api/v1/pipelines")).pipelines.map((p) => p.name),
      ["from-config-repo"],
    );

    // Fixed: the new version is used by the next run.
    await config.commit({ "ci.gocd.yaml": pipeline(app.path, "echo v3") }, "fix config");
    await api.notify(config.url);
    await waitFor(async () => (await api.get<ConfigHealthDto>("/api/v1/config/errors")).errors.length === 0, {
      timeoutMs: 15_000,
      message: "the error to clear",
    });
    await api.trigger("from-config-repo");
    const second = await waitForRun(api, "from-config-repo", 2, (run) => run.result !== "building");
    assert.equal(second.result, "passed");
    const log2 = await (
      await api.request("GET", "/api/v1/pipelines/from-config-repo/runs/2/stages/s/latest/jobs/j/console")
    ).text();
    assert.match(log2, /v3/);
  },
);
