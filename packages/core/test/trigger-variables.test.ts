import assert from "node:assert/strict";
import { test } from "node:test";
import {
  overridableVariables,
  parseConfigFiles,
  resolveTriggerVariables,
  undeclaredVariablesMessage,
} from "@fawkes/core";
import type { ConfigSnapshot } from "@fawkes/core";

const configText = `format_version: 10
environments:
  staging:
    environment_variables: {REGION: eu, SHARED: env}
    secure_variables: {ENV_SECRET: e}
    pipelines: [app]
pipelines:
  app:
    environment_variables: {GREETING: hello, SHARED: pipeline}
    secure_variables: {TOKEN: t0ken}
    materials:
      code: {git: https://example.com/app.git}
    stages:
      - build:
          environment_variables: {STAGE_VAR: s}
          jobs:
            compile:
              secure_variables: {JOB_KEY: k}
              environment_variables: {GREETING: hello}
              tasks: [{exec: {command: make}}]
      - deploy:
          jobs:
            push:
              environment_variables: {TOKEN_HINT: plain, MIXED: a}
              tasks: [{exec: {command: make}}]
            smoke:
              environment_variables: {MIXED: b}
              tasks: [{exec: {command: make}}]
  bare:
    materials:
      code: {git: https://example.com/app.git}
    stages:
      - only: {jobs: {j: {tasks: [{exec: {command: "true"}}]}}}
`;

function load(): ConfigSnapshot {
  const snapshot = parseConfigFiles([{ path: "ci.gocd.yaml", text: configText }]);
  assert.deepEqual(snapshot.issues, []);
  return snapshot;
}

function pipelineAndEnvironment(snapshot: ConfigSnapshot, name: string) {
  const pipeline = snapshot.pipelines.find((candidate) => candidate.name === name);
  assert.ok(pipeline, name);
  const environment = snapshot.environments.find((candidate) => candidate.name === pipeline.environment);
  return { pipeline, environment };
}

test("a trigger may override variables declared at the environment, pipeline, stage or job level", () => {
  const { pipeline, environment } = pipelineAndEnvironment(load(), "app");
  assert.deepEqual(overridableVariables(pipeline, environment), [
    { name: "ENV_SECRET", secure: true, value: null },
    { name: "GREETING", secure: false, value: "hello" },
    { name: "JOB_KEY", secure: true, value: null },
    { name: "MIXED", secure: false, value: null },
    { name: "REGION", secure: false, value: "eu" },
    { name: "SHARED", secure: false, value: null },
    { name: "STAGE_VAR", secure: false, value: "s" },
    { name: "TOKEN", secure: true, value: null },
    { name: "TOKEN_HINT", secure: false, value: "plain" },
  ]);
  // Without its environment, the environment's variables are not declared.
  assert.deepEqual(
    overridableVariables(pipeline, null).map((variable) => variable.name),
    ["GREETING", "JOB_KEY", "MIXED", "SHARED", "STAGE_VAR", "TOKEN", "TOKEN_HINT"],
  );
});

test("a secure value is never exposed, and a name declared secure anywhere stays secure", () => {
  const { pipeline, environment } = pipelineAndEnvironment(load(), "app");
  const listed = JSON.stringify(overridableVariables(pipeline, environment));
  for (const secret of ["t0ken", '"k"', '"e"']) assert.equal(listed.includes(secret), false, secret);
  const stage = pipeline.stages[1]!;
  const withPlainTokenInAJob = {
    ...pipeline,
    stages: [{ ...stage, jobs: [{ ...stage.jobs[0]!, environmentVariables: [plain("TOKEN", "x")] }] }],
  };
  assert.deepEqual(
    overridableVariables(withPlainTokenInAJob, null).find((variable) => variable.name === "TOKEN"),
    { name: "TOKEN", secure: true, value: null },
  );
});

test("declared names resolve with their secure flag; every undeclared name is reported, sorted", () => {
  const { pipeline, environment } = pipelineAndEnvironment(load(), "app");
  assert.deepEqual(
    resolveTriggerVariables(pipeline, environment, { GREETING: "bonjour", TOKEN: "new", REGION: "us" }),
    {
      variables: [
        { name: "GREETING", value: "bonjour", secure: false },
        { name: "TOKEN", value: "new", secure: true },
        { name: "REGION", value: "us", secure: false },
      ],
      undeclared: [],
    },
  );
  const refused = resolveTriggerVariables(pipeline, environment, {
    PATH: "/tmp",
    LD_PRELOAD: "/tmp/x.so",
    GREETING: "ok",
    // Names match exactly, as environment variables do.
    greeting: "no",
    NODE_OPTIONS: "--require /tmp/x.js",
  });
  assert.deepEqual(refused.undeclared, ["LD_PRELOAD", "NODE_OPTIONS", "PATH", "greeting"]);
  // The environment's variables are declared only for pipelines in that environment.
  assert.deepEqual(resolveTriggerVariables(pipeline, null, { REGION: "us" }).undeclared, ["REGION"]);
});

test("a pipeline that declares nothing accepts no trigger variable, and the message says what to do", () => {
  const { pipeline, environment } = pipelineAndEnvironment(load(), "bare");
  assert.deepEqual(overridableVariables(pipeline, environment), []);
  assert.deepEqual(resolveTriggerVariables(pipeline, environment, {}), { variables: [], undeclared: [] });
  assert.deepEqual(resolveTriggerVariables(pipeline, environment, { BROWSER: "x" }).undeclared, ["BROWSER"]);
  const one = undeclaredVariablesMessage("bare", ["BROWSER"]);
  assert.match(one, /variable "BROWSER" is not declared by pipeline bare/);
  assert.match(one, /declare it under environment_variables .* of the pipeline, a stage or a job/);
  assert.match(undeclaredVariablesMessage("bare", ["A", "B"]), /variables "A", "B" are not declared/);
});

function plain(name: string, value: string) {
  return { name, value, secure: false };
}
