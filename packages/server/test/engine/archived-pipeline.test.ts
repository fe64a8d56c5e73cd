/**
 * A pipeline whose config is gone (its file removed, or another `--pipelines`) is archived everywhere alike: its
 * history stays readable and marked, the list shows it apart, and every operation is refused with 409
 * FAWKES_PIPELINE_ARCHIVED; back in the config, it is active again with its history.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, apiPath, type PipelineListDto } from "@fawkes/protocol";
import {
  createGitRepo,
  runCli,
  startFawkes,
  startServerProcess,
  waitFor,
  waitForRun,
  writePipelineDir,
} from "@fawkes/testing";

const pipelineFile = (repo: string, withApp: boolean) => `format_version: 10
pipelines:
${
  withApp
    ? `  app:
    group: shop
    materials:
      m: {git: ${repo}, branch: main, auto_update: false}
    stages:
      - build: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
      - deploy:
          approval: {type: manual}
          jobs: {j: {tasks: [{exec: {command: "true"}}]}}
`
    : ""
}  other:
    group: shop
    materials:
      m: {git: ${repo}, branch: main, auto_update: false}
    stages:
      - s: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

test(
  "a pipeline whose config is gone is archived: readable, listed apart, not operable",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "x\n" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "shop.gocd.yaml": pipelineFile(repo.path, true) },
      expectPipelines: ["app", "other"],
    });
    const { api } = fawkes;
    const file = path.join(fawkes.pipelineDir, "shop.gocd.yaml");
    const list = () => api.get<PipelineListDto>(ApiRoutes.pipelines);
    await fawkes.diagnose(async () => {
      assert.equal((await api.trigger("app")).counter, 1);
      await waitForRun(api, "app", 1, (run) => run.awaitingApproval === "deploy");

      // The config source no longer defines app (as after a restart with another `--pipelines`).
      await writeFile(file, pipelineFile(repo.path, false));
      const archived = await waitFor(
        async () => {
          const answer = await list();
          return answer.archived.length > 0 ? answer : undefined;
        },
        { timeoutMs: 10_000, message: "app to be listed as archived" },
      );
      assert.deepEqual(
        archived.pipelines.map((p) => p.name),
        ["other"],
        "the configured list no longer has app",
      );
      assert.deepEqual(
        archived.archived.map((p) => [p.name, p.group, p.stages, p.archived, p.latest?.counter]),
        [["app", "shop", ["build", "deploy"], true, 1]],
        "app is listed apart, with the group and stages of its latest run",
      );
      assert.equal(archived.pipelines[0]?.archived, false);

      const status = await api.status("app");
      assert.equal(status.archived, true);
      assert.equal(status.group, "shop", "the group of its latest run, not an empty one");
      assert.deepEqual(
        status.runs.map((run) => run.counter),
        [1],
        "its history is readable",
      );
      assert.equal((await api.status("other")).archived, false);

      const refused = async (method: string, route: string, params: Record<string, string>) => {
        const response = await api.request(method, apiPath(route, params), { body: {} });
        const body = (await response.json()) as { code: string; detail: string };
        return [response.status, body.code, /no longer configured \(archived\)/.test(body.detail)];
      };
      const archivedAnswer = [409, "FAWKES_PIPELINE_ARCHIVED", true];
      const stage = { name: "app", counter: "1" };
      assert.deepEqual(await refused("POST", ApiRoutes.trigger, { name: "app" }), archivedAnswer);
      assert.deepEqual(await refused("POST", ApiRoutes.pause, { name: "app" }), archivedAnswer);
      assert.deepEqual(await refused("POST", ApiRoutes.unpause, { name: "app" }), archivedAnswer);
      assert.deepEqual(
        await refused("POST", ApiRoutes.approve, { ...stage, stage: "deploy" }),
        archivedAnswer,
      );
      assert.deepEqual(await refused("POST", ApiRoutes.rerun, { ...stage, stage: "build" }), archivedAnswer);
      // A name that never had a run is still simply unknown.
      assert.deepEqual(await refused("POST", ApiRoutes.trigger, { name: "never" }), [
        404,
        "FAWKES_PIPELINE_NOT_FOUND",
        false,
      ]);
      assert.equal((await api.run("app", 1)).awaitingApproval, "deploy", "nothing was changed");

      const cliStatus = await fawkes.cli(["status", "app"]);
      assert.equal(cliStatus.code, 0, cliStatus.stderr);
      assert.match(cliStatus.stdout, /^app \(group shop\) — no longer configured \(archived\)$/m);
      const cliTrigger = await fawkes.cli(["trigger", "app"]);
      assert.notEqual(cliTrigger.code, 0);
      assert.match(cliTrigger.stdout + cliTrigger.stderr, /no longer configured \(archived\)/);

      // Back in the config: active again, with its history.
      await writeFile(file, pipelineFile(repo.path, true));
      await waitFor(async () => ((await list()).archived.length === 0 ? true : undefined), {
        timeoutMs: 10_000,
        message: "app to be active again",
      });
      const back = await api.status("app");
      assert.equal(back.archived, false);
      assert.deepEqual(
        back.runs.map((run) => run.counter),
        [1],
      );
      assert.deepEqual(
        (await list()).pipelines.map((p) => p.name),
        ["app", "other"],
      );
      await api.approve("app", 1, "deploy");
      await waitForRun(api, "app", 1);
      assert.equal((await api.trigger("app")).counter, 2);
    });
  },
);

test(
  "after a restart with another --pipelines, the old source's pipelines are archived",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "x\n" });
    const first = await startServerProcess(t, {
      pipelines: [await writePipelineDir(t, { "shop.gocd.yaml": pipelineFile(repo.path, true) })],
    });
    await waitFor(async () => (await first.api.trigger("app").catch(() => undefined)) ?? undefined, {
      timeoutMs: 15_000,
      message: "app to load and trigger",
    });
    await first.kill("SIGTERM");
    const other = await writePipelineDir(t, {
      "other.gocd.yaml": pipelineFile(repo.path, false).replace("  other:", "  elsewhere:"),
    });
    // The same store as the first (on the PostgreSQL pass, its database, not a fresh one).
    const second = await startServerProcess(t, {
      dataDir: first.dataDir,
      database: first.database ?? "sqlite",
      pipelines: [other],
    });
    const list = await waitFor(
      async () => {
        const answer = await second.api.get<PipelineListDto>(ApiRoutes.pipelines);
        return answer.pipelines.length > 0 ? answer : undefined;
      },
      { timeoutMs: 15_000, message: "the new config to load" },
    );
    assert.deepEqual(
      list.pipelines.map((p) => p.name),
      ["elsewhere"],
    );
    assert.deepEqual(
      list.archived.map((p) => [p.name, p.group]),
      [["app", "shop"]],
    );
    const status = await runCli(["status", "app"], { server: second.url, token: second.token });
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^app \(group shop\) — no longer configured \(archived\)$/m);
    const trigger = await second.api.request("POST", apiPath(ApiRoutes.trigger, { name: "app" }), {
      body: {},
    });
    assert.equal(trigger.status, 409);
    assert.equal(((await trigger.json()) as { code: string }).code, "FAWKES_PIPELINE_ARCHIVED");
  },
);
