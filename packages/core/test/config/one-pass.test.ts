/**
 * `fawkes validate` and the server's config loading report every independent problem of a file in one pass: a
 * schema error in one stage or pipeline no longer hides a fetch from an unknown stage elsewhere. A pipeline with
 * any problem is still not loaded; the pipelines beside it are.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const text = `pipelines:
  upstream:
    materials: {src: {git: "https://e/c.git"}}
    stages:
      - build: {tasks: [{script: make}]}
  app:
    materials:
      src: {git: "https://e/c.git"}
      up: {pipeline: upstream, stage: build}
    stages:
      - test:
          jobs:
            unit:
              timeout: soon
              tasks:
                - exec: {command: npm, arguments: [test]}
                  runif: failed
      - package:
          tasks:
            - fetch: {stage: tset, job: unit, source: out}
            - fetch: {pipeline: upstream, stage: build, job: make, source: bin}
  downstream:
    lock_behaviour: none
    materials:
      up: {pipeline: app, stage: package}
    stages:
      - deploy:
          tasks:
            - fetch: {pipeline: app, stage: nope, job: unit, source: out}
            - fetch: {stage: deploy, job: deploy, source: x}
  sibling:
    materials: {src: {git: "https://e/c.git"}}
    stages:
      - one: {tasks: [{script: "true"}]}
      - two: {tasks: [{fetch: {stage: zero, job: one, source: x}}]}
`;

test("every independent problem of a file is reported in one pass", () => {
  const result = parseConfigFiles([{ path: "ci.gocd.yaml", text }]);
  assert.deepEqual(result.issues.map(formatIssue), [
    'ci.gocd.yaml:14:24: "timeout" must be a number of minutes',
    'ci.gocd.yaml:17:19: unknown key "runif"; did you mean "run_if"?',
    // Same pipeline, another stage: the fetch from a misspelt stage.
    'ci.gocd.yaml:20:30: fetch: pipeline "app" has no stage "tset"; did you mean "test"?',
    'ci.gocd.yaml:21:62: fetch: stage "build" of pipeline "upstream" has no job "make"',
    // Another pipeline, itself refused by the schema, whose fetches are checked against app's stages.
    'ci.gocd.yaml:23:5: unknown key "lock_behaviour"; did you mean "lock_behavior"?',
    'ci.gocd.yaml:29:45: fetch: pipeline "app" has no stage "nope"',
    'ci.gocd.yaml:30:30: fetch: stage "deploy" cannot be fetched from here; use an earlier stage than "deploy" of this pipeline',
    // A pipeline valid to the schema, whose upstream-free fetch is wrong on its own.
    'ci.gocd.yaml:35:39: fetch: pipeline "sibling" has no stage "zero"',
  ]);
  // Only the pipeline without any problem is loaded.
  assert.deepEqual(
    result.pipelines.map((pipeline) => pipeline.name),
    ["upstream"],
  );
});

test("a pipeline depending on an invalid one still gets its own fetch problems reported", () => {
  const result = parseConfigFiles([
    {
      path: "ci.gocd.yaml",
      text: `pipelines:
  broken:
    materials: {src: {git: "https://e/c.git"}}
    stages:
      - build: {tasks: [{script: make}], approval: sometimes}
  user:
    materials: {up: {pipeline: broken, stage: build}}
    stages:
      - a: {tasks: [{script: "true"}]}
      - b: {tasks: [{fetch: {stage: c, job: a, source: x}}]}
`,
    },
  ]);
  assert.deepEqual(result.issues.map(formatIssue), [
    'ci.gocd.yaml:5:52: "approval" must be success, manual or a map with type',
    'ci.gocd.yaml:7:32: pipeline "user" is not loaded because its upstream pipeline "broken" is invalid',
    'ci.gocd.yaml:10:37: fetch: pipeline "user" has no stage "c"; did you mean "a"?',
  ]);
  assert.deepEqual(result.pipelines, []);
});

test("a fetch from a pipeline whose template is missing is not judged (its stages are unknown)", () => {
  const result = parseConfigFiles([
    {
      path: "ci.gocd.yaml",
      text: `pipelines:
  templated:
    template: missing
    materials: {src: {git: "https://e/c.git"}}
  user:
    materials: {up: {pipeline: templated, stage: build}}
    stages:
      - a: {tasks: [{fetch: {pipeline: templated, stage: build, job: j, source: x}}]}
`,
    },
  ]);
  assert.deepEqual(result.issues.map(formatIssue), [
    'ci.gocd.yaml:3:15: unknown template "missing"',
    'ci.gocd.yaml:6:32: pipeline "user" is not loaded because its upstream pipeline "templated" is invalid',
  ]);
});

test("a misspelt stages key is one typo and one missing-stages problem, not two of the latter", () => {
  const result = parseConfigFiles([
    {
      path: "ci.gocd.yaml",
      text: `pipelines:\n  app:\n    materials: {src: {git: "https://e/c.git"}}\n    stagez:\n      - build: {tasks: [{script: make}]}\n`,
    },
  ]);
  assert.deepEqual(result.issues.map(formatIssue), [
    'ci.gocd.yaml:2:3: pipeline "app" needs "stages" or a "template"',
    'ci.gocd.yaml:4:5: unknown key "stagez"; did you mean "stages"?',
  ]);
});
