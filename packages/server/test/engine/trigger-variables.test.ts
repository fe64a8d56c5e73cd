/**
 * A manual trigger may only override variables the pipeline declares (GoCD's rule): `PATH` or `LD_PRELOAD` is a
 * 400 that starts nothing; a declared override reaches every job that declares the variable, over every level;
 * a secure one stays secret in the job's console and in every API answer.
 */
import assert from "node:assert/strict";
import test from "node:test";
import type { PipelineListDto, PipelineStatusDto } from "@fawkes/protocol";
import { createGitRepo, startFawkes, waitForRun, yamlString } from "@fawkes/testing";

const DECLARED_SECRET = "declared-secret-4711";
const TYPED_SECRET = "typed-secret-0815";

const show = (names: string[]) =>
  JSON.stringify(["-c", names.map((name) => `echo ${name.toLowerCase()}=[$${name}]`).join("; ")]);

const yaml = (repo: string) => `format_version: 10
environments:
  staging:
    environment_variables: {REGION: eu}
    pipelines: [app]
    agents: [agent-1]
pipelines:
  app:
    environment_variables: {GREETING: hello}
    secure_variables: {TOKEN: ${DECLARED_SECRET}}
    materials:
      src: {git: ${yamlString(repo)}, branch: main, auto_update: false}
    stages:
      - build:
          jobs:
            show:
              environment_variables: {GREETING: job-level}
              tasks: [{exec: {command: sh, arguments: ${show(["GREETING", "REGION", "TOKEN", "ONLY_HERE"])}}}]
            other:
              environment_variables: {ONLY_HERE: declared}
              tasks: [{exec: {command: sh, arguments: ${show(["GREETING", "ONLY_HERE", "LD_PRELOAD"])}}}]
`;

test(
  "trigger variables: undeclared ones are refused, declared ones override everywhere, secure ones stay secret",
  { timeout: 90_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "a.txt": "1" });
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "app.gocd.yaml": yaml(repo.path) },
      expectPipelines: ["app"],
    });
    const { api } = fawkes;
    await fawkes.diagnose(async () => {
      const expectedDeclared = [
        { name: "GREETING", secure: false, value: null },
        { name: "ONLY_HERE", secure: false, value: "declared" },
        { name: "REGION", secure: false, value: "eu" },
        { name: "TOKEN", secure: true, value: null },
      ];
      assert.deepEqual((await api.status("app")).triggerVariables, expectedDeclared);
      const listed = await api.get<PipelineListDto>("/api/v1/pipelines");
      assert.deepEqual(listed.pipelines[0]?.triggerVariables, expectedDeclared);

      for (const variables of [{ PATH: "/tmp/evil" }, { GREETING: "hi", LD_PRELOAD: "/tmp/evil.so" }]) {
        const refused = await api.request("POST", "/api/v1/pipelines/app/trigger", { body: { variables } });
        assert.equal(refused.status, 400);
        assert.match(refused.headers.get("content-type") ?? "", /application\/problem\+json/);
        const problem = (await refused.json()) as {
          code: string;
          detail: string;
          errors: { path: string }[];
        };
        assert.equal(problem.code, "FAWKES_UNDECLARED_VARIABLE");
        const undeclared = Object.keys(variables).filter((name) => name !== "GREETING");
        assert.match(
          problem.detail,
          new RegExp(`variable "${undeclared[0]}" is not declared by pipeline app`),
        );
        assert.match(problem.detail, /declare it under environment_variables/);
        assert.doesNotMatch(problem.detail, /GREETING/);
        assert.deepEqual(
          problem.errors.map((error) => error.path),
          undeclared.map((name) => `variables.${name}`),
        );
      }
      const cli = await fawkes.cli(["trigger", "app", "--var", "NODE_OPTIONS=--require=/tmp/x.js"]);
      assert.equal(cli.code, 1);
      assert.match(cli.stderr, /variable "NODE_OPTIONS" is not declared by pipeline app/);
      assert.match(cli.stderr, /FAWKES_UNDECLARED_VARIABLE/);
      assert.match(cli.stderr, /declares: GREETING, ONLY_HERE, REGION, TOKEN \(secure\)/);
      assert.equal((await api.status("app")).runs.length, 0, "a refused trigger starts no run");

      const started = await api.trigger("app", {
        variables: { GREETING: "bonjour", REGION: "us", TOKEN: TYPED_SECRET, ONLY_HERE: "overridden" },
      });
      assert.equal(started.counter, 1, "refused triggers did not use a counter");
      const run = await waitForRun(api, "app", 1, (candidate) => candidate.result !== "building");
      assert.equal(run.result, "passed");

      // The trigger value wins over the job's own declaration, and reaches only jobs that declare the name.
      const showLog = await api.console("app", 1, "build", "show");
      assert.match(showLog, /greeting=\[bonjour\]/);
      assert.match(showLog, /region=\[us\]/);
      assert.match(showLog, /only_here=\[\]/);
      assert.match(showLog, /token=\[\*+\]/);
      const otherLog = await api.console("app", 1, "build", "other");
      assert.match(otherLog, /greeting=\[bonjour\]/);
      assert.match(otherLog, /only_here=\[overridden\]/);
      assert.match(otherLog, /ld_preload=\[\]/);

      // The secret given at trigger time (and the declared one) appear in no API answer.
      const answers = [
        showLog,
        otherLog,
        JSON.stringify(await api.status("app")),
        JSON.stringify(await api.run("app", 1)),
        await (await api.request("GET", "/api/v1/pipelines")).text(),
      ];
      for (const answer of answers) {
        assert.equal(answer.includes(TYPED_SECRET), false, answer.slice(0, 300));
        assert.equal(answer.includes(DECLARED_SECRET), false, answer.slice(0, 300));
      }
      const status: PipelineStatusDto = await api.status("app");
      assert.equal(status.runs.length, 1);
    });
  },
);
