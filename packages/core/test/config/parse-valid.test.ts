import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfigFiles } from "@fawkes/core";
import type { ApprovalConfig, PipelineConfig } from "@fawkes/core";

const file = "ci.gocd.yaml";
const at = (line: number, column: number) => ({ file, line, column });
const passed = ["passed"] as const;
const noApproval: ApprovalConfig = { type: "success", allowOnlyOnSuccess: false, users: [], roles: [] };

const fullText = `format_version: 10
common:
  setup: &setup
    - exec: {command: npm, arguments: [ci]}
environments:
  staging:
    environment_variables: {REGION: local}
    pipelines: [app]
    agents: [agent-1]
pipelines:
  app:
    group: web
    label_template: "1.\${COUNT}-\${code[:8]}"
    lock_behavior: unlockWhenFinished
    parameters:
      TARGET: staging
    environment_variables:
      RETRIES: 3
    secure_variables:
      TOKEN: s3cret
    materials:
      code:
        git: https://example.com/app.git
        branch: main
        shallow_clone: yes
        auto_update: false
        ignore: [docs/**]
        destination: app
        run_every_commit: true
        webhook_secret: hook
      tools:
        type: git
        url: /srv/tools.git
        destination: tools
    stages:
      - build:
          clean_workspace: false
          fetch_materials: no
          keep_artifacts: true
          environment_variables: {STAGE_VAR: x}
          jobs:
            compile:
              timeout: 5
              resources: [linux]
              elastic_profile_id: ignored
              secure_variables: {KEY: k}
              artifacts:
                - build: {source: "dist/**", destination: pkg}
                - test: {source: reports}
              tasks:
                - *setup
                - exec:
                    command: make
                    arguments: [build, "#{TARGET}", 2]
                    working_directory: src
                    run_if: any
                    on_cancel: {script: "kill-build"}
      - deploy:
          approval:
            type: manual
            allow_only_on_success: true
            users: [ann]
            roles: [ops]
          run_instances: all
          tasks:
            - fetch:
                stage: build
                job: compile
                source: pkg/app.tgz
                destination: in
                is_file: yes
                run_if: failed
`;

test("a full-featured file becomes the exact model", () => {
  const snapshot = parseConfigFiles([{ path: file, text: fullText }]);
  assert.deepEqual(snapshot.issues, []);
  const expected: PipelineConfig = {
    name: "app",
    group: "web",
    labelTemplate: "1.${COUNT}-${code[:8]}",
    lockBehavior: "unlockWhenFinished",
    environmentVariables: [
      { name: "RETRIES", value: "3", secure: false },
      { name: "TOKEN", value: "s3cret", secure: true },
    ],
    materials: [
      {
        type: "git",
        name: "code",
        url: "https://example.com/app.git",
        branch: "main",
        shallowClone: true,
        autoUpdate: false,
        includes: [],
        ignore: ["docs/**"],
        destination: "app",
        runEveryCommit: true,
        webhookSecret: "hook",
      },
      {
        type: "git",
        name: "tools",
        url: "/srv/tools.git",
        branch: "master",
        shallowClone: false,
        autoUpdate: true,
        includes: [],
        ignore: [],
        destination: "tools",
        runEveryCommit: false,
        webhookSecret: null,
      },
    ],
    stages: [
      {
        name: "build",
        approval: noApproval,
        cleanWorkspace: false,
        fetchMaterials: false,
        keepArtifacts: true,
        environmentVariables: [{ name: "STAGE_VAR", value: "x", secure: false }],
        jobs: [
          {
            name: "compile",
            resources: ["linux"],
            timeoutMinutes: 5,
            environmentVariables: [{ name: "KEY", value: "k", secure: true }],
            runInstances: null,
            tasks: [
              {
                kind: "exec",
                command: "npm",
                arguments: ["ci"],
                workingDirectory: "",
                runIf: [...passed],
                onCancel: null,
              },
              {
                kind: "exec",
                command: "make",
                arguments: ["build", "staging", "2"],
                workingDirectory: "src",
                runIf: ["any"],
                onCancel: {
                  kind: "exec",
                  command: "/bin/sh",
                  arguments: ["-c", "kill-build"],
                  workingDirectory: "",
                  runIf: [...passed],
                  onCancel: null,
                },
              },
            ],
            artifacts: [
              { type: "build", source: "dist/**", destination: "pkg" },
              { type: "test", source: "reports", destination: "" },
            ],
            location: at(42, 13),
          },
        ],
        location: at(36, 9),
      },
      {
        name: "deploy",
        approval: { type: "manual", allowOnlyOnSuccess: true, users: ["ann"], roles: ["ops"] },
        cleanWorkspace: true,
        fetchMaterials: true,
        keepArtifacts: false,
        environmentVariables: [],
        jobs: [
          {
            name: "deploy",
            resources: [],
            timeoutMinutes: null,
            environmentVariables: [],
            runInstances: "all",
            tasks: [
              {
                kind: "fetch",
                pipelinePath: null,
                stage: "build",
                job: "compile",
                source: "pkg/app.tgz",
                destination: "in",
                isFile: true,
                runIf: ["failed"],
                onCancel: null,
              },
            ],
            artifacts: [],
            location: at(58, 9),
          },
        ],
        location: at(58, 9),
      },
    ],
    environment: "staging",
    location: at(11, 3),
  };
  assert.deepEqual(snapshot.pipelines, [expected]);
  assert.deepEqual(snapshot.environments, [
    {
      name: "staging",
      environmentVariables: [{ name: "REGION", value: "local", secure: false }],
      pipelines: ["app"],
      agents: ["agent-1"],
      location: at(6, 3),
    },
  ]);
  assert.ok(Object.isFrozen(snapshot.pipelines[0]!.stages[0]!.jobs[0]), "the snapshot is frozen");
});

const minimal = (extra: string) => `pipelines:
  p:
${extra}    materials:
      code: {git: "https://example.com/code.git"}
    stages:
      - s: {tasks: [{exec: {command: "true"}}]}
`;

test("defaults follow GoCD, except clean_workspace which Fawkes defaults to true", () => {
  const { pipelines, issues } = parseConfigFiles([{ path: file, text: minimal("") }]);
  assert.deepEqual(issues, []);
  const [pipeline] = pipelines;
  assert.equal(pipeline!.group, "defaultGroup");
  assert.equal(pipeline!.labelTemplate, "${COUNT}");
  assert.equal(pipeline!.lockBehavior, "none");
  assert.equal(pipeline!.environment, null);
  assert.deepEqual(pipeline!.stages[0]!.approval, noApproval);
  assert.equal(pipeline!.stages[0]!.cleanWorkspace, true);
  assert.equal(pipeline!.stages[0]!.fetchMaterials, true);
  const material = pipeline!.materials[0]!;
  assert.ok(material.type === "git");
  assert.equal(material.branch, "master");
  assert.equal(material.autoUpdate, true);
});

test("legacy keys: locking, manual_approval, whitelist, blacklist", () => {
  const cases: [string, (p: PipelineConfig) => unknown, unknown][] = [
    ["    locking: on\n", (p) => p.lockBehavior, "lockOnFailure"],
    ["    locking: off\n", (p) => p.lockBehavior, "none"],
    ["    lock_behavior: lockOnFailure\n", (p) => p.lockBehavior, "lockOnFailure"],
  ];
  for (const [extra, pick, value] of cases) {
    const { pipelines, issues } = parseConfigFiles([{ path: file, text: minimal(extra) }]);
    assert.deepEqual(issues, [], extra);
    assert.deepEqual(pick(pipelines[0]!), value, extra);
  }
  const text = `pipelines:
  p:
    materials:
      a: {git: "https://e/a.git", whitelist: ["src/**"], destination: a}
      b: {git: "https://e/b.git", blacklist: ["*.md"], destination: b}
    stages:
      - s: {manual_approval: true, approval: auto, tasks: [{script: "true"}]}
      - t: {manual_approval: yes, tasks: [{script: "true"}]}
`;
  const snapshot = parseConfigFiles([{ path: file, text }]);
  assert.deepEqual(
    snapshot.issues.map((issue) => issue.message),
    ['give "approval" or the legacy "manual_approval", not both'],
  );
  const fixed = parseConfigFiles([
    { path: file, text: text.replace("manual_approval: true, approval: auto, ", "") },
  ]);
  assert.deepEqual(fixed.issues, []);
  const [a, b] = fixed.pipelines[0]!.materials;
  assert.ok(a?.type === "git" && b?.type === "git");
  assert.deepEqual([a.includes, b.ignore], [["src/**"], ["*.md"]]);
  assert.equal(fixed.pipelines[0]!.stages[1]!.approval.type, "manual");
});

test("list-of-lists tasks and stages flatten, from aliases or written inline", () => {
  const text = `common:
  both: &both
    - exec: {command: one}
    - [{exec: {command: two}}]
  more_stages: &more
    - b: {tasks: [{exec: {command: b}}]}
    - c: {tasks: [{exec: {command: c}}]}
pipelines:
  p:
    materials: {code: {git: "https://e/c.git"}}
    stages:
      - a:
          tasks:
            - *both
            - - exec: {command: three}
              - - exec: {command: four}
      - *more
`;
  const { pipelines, issues } = parseConfigFiles([{ path: file, text }]);
  assert.deepEqual(issues, []);
  const stages = pipelines[0]!.stages;
  assert.deepEqual(
    stages.map((stage) => stage.name),
    ["a", "b", "c"],
  );
  assert.deepEqual(
    stages[0]!.jobs[0]!.tasks.map((task) => (task.kind === "exec" ? task.command : task.kind)),
    ["one", "two", "three", "four"],
  );
});

test("dependency materials take the key as name and default ignore_for_scheduling to false", () => {
  const text = `pipelines:
  up:
    materials: {code: {git: "https://e/c.git"}}
    stages: [{build: {tasks: [{script: make}]}}]
  down:
    materials:
      upstream_build: {pipeline: up, stage: build}
      also: {type: dependency, pipeline: up, stage: build, ignore_for_scheduling: true}
    stages: [{deploy: {tasks: [{script: deploy}]}}]
`;
  const { pipelines, issues } = parseConfigFiles([{ path: file, text }]);
  assert.deepEqual(issues, []);
  assert.deepEqual(pipelines[1]!.materials, [
    {
      type: "dependency",
      name: "upstream_build",
      pipeline: "up",
      stage: "build",
      ignoreForScheduling: false,
    },
    { type: "dependency", name: "also", pipeline: "up", stage: "build", ignoreForScheduling: true },
  ]);
});
