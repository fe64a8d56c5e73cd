import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const load = (files: Record<string, string>) =>
  parseConfigFiles(Object.entries(files).map(([path, text]) => ({ path, text })));
const names = (snapshot: ReturnType<typeof load>) => snapshot.pipelines.map((p) => p.name);
const git = '{code: {git: "https://e/c.git"}}';

test("a template and environment in other files than the pipeline using them", () => {
  const snapshot = load({
    "templates.gocd.yaml": `templates:
  build-and-test:
    stages:
      - build: {tasks: [{exec: {command: make, arguments: ["#{TARGET}"]}}]}
      - test: {tasks: [{exec: {command: "#{RUNNER}"}}]}
`,
    "app.gocd.yaml": `pipelines:
  app:
    template: build-and-test
    parameters: {TARGET: release, RUNNER: jest}
    materials: ${git}
`,
    "env.gocd.yaml": "environments:\n  prod:\n    pipelines: [app]\n",
  });
  assert.deepEqual(snapshot.issues, []);
  const [app] = snapshot.pipelines;
  assert.equal(app!.environment, "prod");
  assert.deepEqual(
    app!.stages.map((stage) => [stage.name, stage.location.file]),
    [
      ["build", "templates.gocd.yaml"],
      ["test", "templates.gocd.yaml"],
    ],
  );
  const [build, runTests] = app!.stages.map((stage) => stage.jobs[0]!.tasks[0]!);
  assert.ok(build?.kind === "exec" && runTests?.kind === "exec");
  assert.deepEqual([build.arguments, runTests.command], [["release"], "jest"]);
});

test("a template's unknown parameter is reported in the template file, for the pipeline using it", () => {
  const snapshot = load({
    "t.gocd.yaml": "templates:\n  t:\n    stages:\n      - s: {tasks: [{script: 'echo #{MISSING}'}]}\n",
    "p.gocd.yaml": `pipelines:\n  p: {template: t, materials: ${git}}\n  q: {template: nope, materials: ${git}}\n`,
  });
  assert.deepEqual(snapshot.issues.map(formatIssue), [
    't.gocd.yaml:4:30: unknown parameter "MISSING" in "echo #{MISSING}"',
    'p.gocd.yaml:3:17: unknown template "nope"',
  ]);
  assert.deepEqual(
    snapshot.issues.map((issue) => issue.pipelines),
    [["p"], ["q"]],
  );
});

test("an invalid pipeline never stops valid ones in the same or other files; bad YAML drops its file only", () => {
  const snapshot = load({
    "a.gocd.yaml": `pipelines:
  good-a: {materials: ${git}, stages: [{s: {tasks: [{script: ok}]}}]}
  broken: {materials: ${git}, stages: [{s: {tasks: [{script: 1}]}}]}
  good-b: {materials: ${git}, stages: [{s: {tasks: [{script: ok}]}}]}
`,
    "b.gocd.yaml": `pipelines:\n  good-c: {materials: ${git}, stages: [{s: {tasks: [{script: ok}]}}]}\n`,
    "c.gocd.yaml": "pipelines:\n  lost: [\n",
  });
  assert.deepEqual(names(snapshot), ["good-a", "good-b", "good-c"]);
  assert.deepEqual(
    snapshot.issues.map((issue) => [issue.file, issue.pipelines]),
    [
      ["a.gocd.yaml", ["broken"]],
      ["c.gocd.yaml", []],
    ],
  );
});

test("pipelines defined twice are errors on both, and both are dropped", () => {
  const pipeline = `pipelines:\n  twin: {materials: ${git}, stages: [{s: {tasks: [{script: ok}]}}]}\n`;
  const snapshot = load({ "a.gocd.yaml": pipeline, "b.gocd.yaml": pipeline.replace("twin", "Twin") });
  assert.deepEqual(names(snapshot), []);
  assert.deepEqual(snapshot.issues.map(formatIssue), [
    'a.gocd.yaml:2:3: pipeline "twin" is defined more than once (also at b.gocd.yaml:2:3)',
    'b.gocd.yaml:2:3: pipeline "twin" is defined more than once (also at a.gocd.yaml:2:3)',
  ]);
});

const chain = (extra: string) => `pipelines:
  build:
    materials: ${git}
    stages:
      - compile: {jobs: {jar: {tasks: [{script: make}]}}}
      - test: {tasks: [{script: test}]}
      - publish: {tasks: [{script: publish}]}
  deploy:
    materials:
      build: {pipeline: build, stage: test}
    stages:
      - deploy: {tasks: [{script: deploy}]}
  smoke:
    materials:
      deploy: {pipeline: deploy, stage: deploy}
    stages:
      - first: {tasks: [{script: x}]}
      - second:
          tasks:
${extra}`;

test("fetch paths follow dependency materials upward, with GoCD's stage rules", () => {
  const cases: { fetch: string; issue: string | null }[] = [
    { fetch: "{pipeline: build/deploy, stage: compile, job: jar, source: a}", issue: null },
    { fetch: "{pipeline: build/deploy, stage: test, job: test, source: a}", issue: null },
    { fetch: "{pipeline: deploy, stage: deploy, job: deploy, source: a}", issue: null },
    { fetch: "{stage: first, job: first, source: a}", issue: null },
    { fetch: "{pipeline: smoke, stage: first, job: first, source: a}", issue: null },
    {
      fetch: "{pipeline: build/deploy, stage: publish, job: publish, source: a}",
      issue:
        'p.gocd.yaml:20:54: fetch: stage "publish" cannot be fetched from here; use stage "test" of "build" (the one depended on) or an earlier one',
    },
    {
      fetch: "{pipeline: build, stage: compile, job: jar, source: a}",
      issue:
        'p.gocd.yaml:20:33: fetch: "build" in "build" is not an upstream pipeline (dependency material) of this pipeline',
    },
    {
      fetch: "{pipeline: deploy/build, stage: compile, job: jar, source: a}",
      issue:
        'p.gocd.yaml:20:33: fetch: "build" in "deploy/build" is not an upstream pipeline (dependency material) of this pipeline',
    },
    {
      fetch: "{stage: second, job: second, source: a}",
      issue:
        'p.gocd.yaml:20:30: fetch: stage "second" cannot be fetched from here; use an earlier stage than "second" of this pipeline',
    },
    {
      fetch: "{pipeline: build/deploy, stage: compile, job: jra, source: a}",
      issue:
        'p.gocd.yaml:20:68: fetch: stage "compile" of pipeline "build" has no job "jra"; did you mean "jar"?',
    },
    {
      fetch: "{pipeline: deploy, stage: deplo, job: deploy, source: a}",
      issue: 'p.gocd.yaml:20:48: fetch: pipeline "deploy" has no stage "deplo"; did you mean "deploy"?',
    },
    {
      fetch: "{stage: first, job: first, source: a, destination: /tmp}",
      issue:
        'p.gocd.yaml:20:73: "destination" must be a relative path inside the working directory, got "/tmp"',
    },
  ];
  for (const { fetch, issue } of cases) {
    const snapshot = load({ "p.gocd.yaml": chain(`            - fetch: ${fetch}\n`) });
    assert.deepEqual(snapshot.issues.map(formatIssue), issue === null ? [] : [issue], fetch);
    assert.deepEqual(
      names(snapshot),
      issue === null ? ["build", "deploy", "smoke"] : ["build", "deploy"],
      fetch,
    );
  }
});

test("dependency cycles are named; unknown upstreams and stages are errors; dependents of invalid pipelines are dropped", () => {
  const snapshot = load({
    "p.gocd.yaml": `pipelines:
  a:
    materials: {b: {pipeline: b, stage: s}}
    stages: [{s: {tasks: [{script: x}]}}]
  b:
    materials: {a: {pipeline: a, stage: s}}
    stages: [{s: {tasks: [{script: x}]}}]
  c:
    materials: {a: {pipeline: a, stage: s}}
    stages: [{s: {tasks: [{script: x}]}}]
  d:
    materials: {x: {pipeline: nowhere, stage: s}, y: {pipeline: e, stage: nostage}}
    stages: [{s: {tasks: [{script: x}]}}]
  e:
    materials: ${git}
    stages: [{s: {tasks: [{script: x}]}}]
`,
  });
  assert.deepEqual(names(snapshot), ["e"]);
  assert.deepEqual(snapshot.issues.map(formatIssue), [
    "p.gocd.yaml:3:31: dependency cycle: a -> b -> a",
    "p.gocd.yaml:6:31: dependency cycle: b -> a -> b",
    'p.gocd.yaml:9:31: pipeline "c" is not loaded because its upstream pipeline "a" is invalid',
    'p.gocd.yaml:12:31: unknown upstream pipeline "nowhere"',
    'p.gocd.yaml:12:75: pipeline "e" has no stage "nostage"',
  ]);
});

test("environments: merged across files, a pipeline in two environments is an error, unknown pipelines reported", () => {
  const pipelines = `pipelines:
  p: {materials: ${git}, stages: [{s: {tasks: [{script: x}]}}]}
  q: {materials: ${git}, stages: [{s: {tasks: [{script: x}]}}]}
`;
  const snapshot = load({
    "p.gocd.yaml": pipelines,
    "e1.gocd.yaml": "environments:\n  dev:\n    environment_variables: {A: 1}\n    pipelines: [p, q]\n",
    "e2.gocd.yaml":
      "environments:\n  dev:\n    secure_variables: {B: 2}\n    agents: [x]\n  prod:\n    pipelines: [q, ghost]\n",
  });
  assert.deepEqual(names(snapshot), ["p"]);
  assert.deepEqual(snapshot.issues.map(formatIssue), [
    'e1.gocd.yaml:4:20: pipeline "q" is in several environments: "dev" and "prod"',
    'e2.gocd.yaml:6:17: pipeline "q" is in several environments: "dev" and "prod"',
    'e2.gocd.yaml:6:20: environment "prod" lists unknown pipeline "ghost"',
  ]);
  assert.deepEqual(
    snapshot.environments.map((e) => [
      e.name,
      e.pipelines,
      e.agents,
      e.environmentVariables.map((v) => v.name),
    ]),
    [
      ["dev", ["p"], ["x"], ["A", "B"]],
      ["prod", [], [], []],
    ],
  );
  assert.equal(snapshot.pipelines[0]!.environment, "dev");
});
