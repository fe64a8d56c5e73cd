import assert from "node:assert/strict";
import { test } from "node:test";
import { buildJobEnvironment, materialVariableSuffix, stripCredentials } from "@fawkes/core";
import type { JobEnvironmentInput, Variable } from "@fawkes/core";

const v = (name: string, value: string, secure = false): Variable => ({ name, value, secure });

const base: JobEnvironmentInput = {
  serverUrl: "http://127.0.0.1:8153",
  pipeline: {
    name: "app",
    group: "web",
    environmentVariables: [v("LEVEL", "pipeline"), v("P_ONLY", "p"), v("TOKEN", "x", true)],
  },
  stage: { name: "test", environmentVariables: [v("LEVEL", "stage"), v("S_ONLY", "s")] },
  job: { name: "unit", environmentVariables: [v("LEVEL", "job")], runInstances: null },
  counter: 7,
  label: "1.7",
  stageCounter: 2,
  rerunOfStageCounter: null,
  triggerUser: "changes",
  agentResources: ["linux", "node"],
  environment: {
    name: "dev",
    environmentVariables: [v("LEVEL", "environment"), v("E_ONLY", "e"), v("P_ONLY", "env")],
  },
  materials: [
    {
      name: "my-repo",
      type: "git",
      url: "https://bot:hunter2@example.com/app.git",
      branch: "main",
      revision: "abc123",
      fromRevision: "aaa000",
      changed: true,
    },
  ],
};

const asMap = (input: JobEnvironmentInput) =>
  Object.fromEntries(buildJobEnvironment(input).map((variable) => [variable.name, variable.value]));

test("GoCD's GO_* variables for a job with one git material", () => {
  assert.deepEqual(
    asMap({
      ...base,
      environment: null,
      pipeline: { ...base.pipeline, environmentVariables: [] },
      stage: { ...base.stage, environmentVariables: [] },
      job: { ...base.job, environmentVariables: [] },
    }),
    {
      GO_SERVER_URL: "http://127.0.0.1:8153",
      GO_PIPELINE_NAME: "app",
      GO_PIPELINE_COUNTER: "7",
      GO_PIPELINE_LABEL: "1.7",
      GO_PIPELINE_GROUP_NAME: "web",
      GO_STAGE_NAME: "test",
      GO_STAGE_COUNTER: "2",
      GO_JOB_NAME: "unit",
      GO_TRIGGER_USER: "changes",
      GO_AGENT_RESOURCES: "linux,node",
      GO_REVISION_MY_REPO: "abc123",
      GO_REVISION: "abc123",
      GO_TO_REVISION_MY_REPO: "abc123",
      GO_TO_REVISION: "abc123",
      GO_FROM_REVISION_MY_REPO: "aaa000",
      GO_FROM_REVISION: "aaa000",
      GO_MATERIAL_URL_MY_REPO: "https://example.com/app.git",
      GO_MATERIAL_URL: "https://example.com/app.git",
      GO_MATERIAL_BRANCH_MY_REPO: "main",
      GO_MATERIAL_BRANCH: "main",
      GO_MATERIAL_MY_REPO_HAS_CHANGED: "true",
      GO_MATERIAL_HAS_CHANGED: "true",
    },
  );
});

test("user variables: job > stage > pipeline > environment, secure flags kept", () => {
  const byName = new Map(buildJobEnvironment(base).map((variable) => [variable.name, variable]));
  assert.equal(byName.get("LEVEL")?.value, "job");
  assert.equal(byName.get("S_ONLY")?.value, "s");
  assert.equal(byName.get("P_ONLY")?.value, "p");
  assert.equal(byName.get("E_ONLY")?.value, "e");
  assert.equal(byName.get("GO_ENVIRONMENT_NAME")?.value, "dev");
  assert.deepEqual(byName.get("TOKEN"), { name: "TOKEN", value: "x", secure: true });
});

test("trigger-time values replace a declared variable wherever it is declared, and add nothing", () => {
  const env = buildJobEnvironment({
    ...base,
    triggerVariables: {
      LEVEL: "trigger",
      P_ONLY: "trigger",
      E_ONLY: "trigger",
      TOKEN: "override",
      PATH: "/tmp/evil",
      LD_PRELOAD: "/tmp/evil.so",
    },
  });
  const byName = new Map(env.map((variable) => [variable.name, variable]));
  // GoCD applies trigger variables last (addToIfExists): over the job's, stage's, pipeline's and environment's.
  assert.equal(byName.get("LEVEL")?.value, "trigger");
  assert.equal(byName.get("P_ONLY")?.value, "trigger");
  assert.equal(byName.get("E_ONLY")?.value, "trigger");
  assert.equal(byName.get("S_ONLY")?.value, "s");
  assert.deepEqual(byName.get("TOKEN"), { name: "TOKEN", value: "override", secure: true });
  assert.equal(byName.has("PATH"), false, "an undeclared trigger variable never reaches the job");
  assert.equal(byName.has("LD_PRELOAD"), false);
  assert.equal(new Set(env.map((variable) => variable.name)).size, env.length, "names are unique");
});

test("a trigger value is secure when any level of the job declares the name secure, or when it says so", () => {
  const input: JobEnvironmentInput = {
    ...base,
    environment: { name: "dev", environmentVariables: [v("KEY", "e", true)] },
    // The job's plain declaration wins over the environment's secure one for the declared value ...
    job: { ...base.job, environmentVariables: [v("KEY", "plain"), v("OTHER", "o")] },
  };
  const declaredOnly = new Map(buildJobEnvironment(input).map((variable) => [variable.name, variable]));
  assert.deepEqual(declaredOnly.get("KEY"), { name: "KEY", value: "plain", secure: false });
  // ... but a value given at trigger time for a name declared secure anywhere stays secret.
  const triggered = new Map(
    buildJobEnvironment({
      ...input,
      triggerVariables: [v("KEY", "typed"), v("OTHER", "typed-secret", true)],
    }).map((variable) => [variable.name, variable]),
  );
  assert.deepEqual(triggered.get("KEY"), { name: "KEY", value: "typed", secure: true });
  assert.deepEqual(triggered.get("OTHER"), { name: "OTHER", value: "typed-secret", secure: true });
});

test("several materials: only suffixed names; dependencies, reruns and run instances", () => {
  const env = asMap({
    ...base,
    rerunOfStageCounter: 1,
    job: { ...base.job, runInstances: 3 },
    jobName: "unit-runInstance-2",
    runIndex: 2,
    runCount: 3,
    materials: [
      { ...base.materials[0]!, name: "", destination: "src/app" },
      {
        name: "tools",
        type: "git",
        url: "git@example.com:tools.git",
        branch: "master",
        revision: "t1",
        changed: false,
      },
      {
        name: "build-pipeline",
        type: "dependency",
        revision: "build-pipeline/4/package/1",
        upstreamLabel: "1.4",
        changed: true,
      },
    ],
  });
  assert.equal(env.GO_REVISION, undefined);
  assert.equal(env.GO_MATERIAL_HAS_CHANGED, undefined);
  assert.equal(env.GO_REVISION_SRC_APP, "abc123");
  assert.equal(env.GO_FROM_REVISION_TOOLS, "t1");
  assert.equal(env.GO_MATERIAL_URL_TOOLS, "git@example.com:tools.git");
  assert.equal(env.GO_MATERIAL_TOOLS_HAS_CHANGED, "false");
  assert.equal(env.GO_DEPENDENCY_LABEL_BUILD_PIPELINE, "1.4");
  assert.equal(env.GO_DEPENDENCY_LOCATOR_BUILD_PIPELINE, "build-pipeline/4/package/1");
  assert.equal(env.GO_MATERIAL_BUILD_PIPELINE_HAS_CHANGED, "true");
  assert.equal(env.GO_RERUN_OF_STAGE_COUNTER, "1");
  assert.equal(env.GO_JOB_NAME, "unit-runInstance-2");
  assert.deepEqual([env.GO_JOB_RUN_INDEX, env.GO_JOB_RUN_COUNT], ["2", "3"]);
});

test("naming helpers", () => {
  assert.equal(materialVariableSuffix("my-repo.v2"), "MY_REPO_V2");
  assert.equal(materialVariableSuffix("", "deps/lib"), "DEPS_LIB");
  assert.equal(stripCredentials("https://user:pw@host/r.git"), "https://host/r.git");
  assert.equal(stripCredentials("https://host/r.git"), "https://host/r.git");
  assert.equal(stripCredentials("/srv/git/r.git"), "/srv/git/r.git");
});
