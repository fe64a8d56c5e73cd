import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const issuesOf = (text: string) => parseConfigFiles([{ path: "p.gocd.yaml", text }]).issues.map(formatIssue);

/** A pipeline `p` with one material and one stage; `patch` replaces parts of it. */
const pipeline = (patch: {
  top?: string;
  materials?: string;
  stage?: string;
  tasks?: string;
  job?: string;
}) => `pipelines:
  p:
${patch.top ?? ""}    materials:
${patch.materials ?? '      code: {git: "https://e/c.git"}\n'}    stages:
      - build:
${patch.stage ?? ""}          jobs:
            compile:
${patch.job ?? ""}              tasks:
${patch.tasks ?? "                - exec: {command: make}\n"}`;

const cases: { name: string; text: string; issues: string[] }[] = [
  {
    name: "YAML syntax error",
    text: "pipelines:\n  p: {materials: [\n",
    issues: [
      "p.gocd.yaml:3:1: invalid YAML: Flow map in block collection must be sufficiently indented and end with a }",
      "p.gocd.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ],
  },
  {
    name: "unknown top-level key with a hint",
    text: "format_version: 10\npipeline:\n  p: {}\n",
    issues: ['p.gocd.yaml:2:1: unknown key "pipeline"; did you mean "pipelines"?'],
  },
  {
    name: "format_version out of range",
    text: "format_version: 11\n",
    issues: ['p.gocd.yaml:1:17: "format_version" must be an integer from 1 to 10'],
  },
  {
    name: "unknown pipeline key with a hint",
    text: pipeline({ top: "    lable_template: x\n" }),
    issues: ['p.gocd.yaml:3:5: unknown key "lable_template"; did you mean "label_template"?'],
  },
  {
    name: "missing materials",
    text: "pipelines:\n  p:\n    stages: [{s: {tasks: [{script: x}]}}]\n",
    issues: ['p.gocd.yaml:2:3: missing required key "materials"'],
  },
  {
    name: "wrong type of a value",
    text: pipeline({ job: "              timeout: soon\n" }),
    issues: ['p.gocd.yaml:9:24: "timeout" must be a number of minutes'],
  },
  {
    name: "enum value with a hint",
    text: pipeline({ top: "    lock_behavior: lockOnFailur\n" }),
    issues: [
      'p.gocd.yaml:3:20: "lock_behavior" must be one of none, lockOnFailure, unlockWhenFinished, got "lockOnFailur"; did you mean "lockOnFailure"?',
    ],
  },
  {
    name: "boolean word",
    text: pipeline({ stage: "          clean_workspace: maybe\n" }),
    issues: ['p.gocd.yaml:7:28: "clean_workspace" must be a boolean (true, false, yes, no, on, off)'],
  },
  {
    name: "unknown key inside a task, list index kept",
    text: pipeline({
      tasks: "                - exec: {command: make}\n                - exec: {comand: make}\n",
    }),
    issues: [
      'p.gocd.yaml:11:19: missing required key "command"',
      'p.gocd.yaml:11:26: unknown key "comand"; did you mean "command"?',
    ],
  },
  {
    name: "unsupported GoCD task type",
    text: pipeline({ tasks: "                - ant: {target: x}\n" }),
    issues: ['p.gocd.yaml:10:19: unsupported key "ant": ant tasks are not supported (use exec or script)'],
  },
  {
    name: "task with two kinds",
    text: pipeline({ tasks: "                - {script: a, exec: {command: b}}\n" }),
    issues: ["p.gocd.yaml:10:19: a task needs exactly one of exec, script or fetch"],
  },
  {
    name: "run_if value",
    text: pipeline({ tasks: "                - exec: {command: make, run_if: always}\n" }),
    issues: ['p.gocd.yaml:10:49: "run_if" must be one of passed, failed, any, got "always"'],
  },
  {
    name: "stage with both jobs and tasks",
    text: pipeline({ stage: "          tasks: [{script: x}]\n" }),
    issues: ["p.gocd.yaml:6:9: a stage needs either jobs, or tasks for a single-job stage (not both)"],
  },
  {
    name: "template and stages together",
    text: pipeline({ top: "    template: t\n" }),
    issues: [
      'p.gocd.yaml:3:5: a pipeline with a "template" cannot also have "stages"',
      'p.gocd.yaml:3:15: unknown template "t"',
    ],
  },
  {
    name: "unknown parameter; ## escapes",
    text: pipeline({
      top: "    parameters: {A: 1}\n",
      tasks: '                - exec: {command: "#{A}-##{B}-#{B}"}\n',
    }),
    issues: ['p.gocd.yaml:11:35: unknown parameter "B" in "#{A}-##{B}-#{B}"'],
  },
  {
    name: "label template naming an unknown material",
    text: pipeline({ top: '    label_template: "${COUNT}-${cod}"\n' }),
    issues: ['p.gocd.yaml:3:21: label_template refers to unknown material "cod"; did you mean "code"?'],
  },
  {
    name: "includes and ignore together",
    text: pipeline({ materials: '      code: {git: "https://e/c.git", includes: [a], ignore: [b]}\n' }),
    issues: ['p.gocd.yaml:4:53: git material "code" cannot have both includes and ignore filters'],
  },
  {
    name: "whitelist and includes together",
    text: pipeline({ materials: '      code: {git: "https://e/c.git", includes: [a], whitelist: [b]}\n' }),
    issues: ['p.gocd.yaml:4:53: "whitelist" is the old name of "includes"; give only one of them'],
  },
  {
    name: "dependency key on a git material",
    text: pipeline({ materials: '      code: {git: "https://e/c.git", stage: x}\n' }),
    issues: ['p.gocd.yaml:4:38: "stage" does not apply to a git material'],
  },
  {
    name: "material of no known type",
    text: pipeline({ materials: "      code: {branch: main}\n" }),
    issues: ['p.gocd.yaml:4:7: material "code" needs either "git: URL" or "pipeline:" and "stage:"'],
  },
  {
    name: "several git materials need distinct destinations inside the working directory",
    text: pipeline({
      materials:
        '      a: {git: "https://e/a.git", destination: src}\n      b: {git: "https://e/b.git", destination: src/lib}\n      c: {git: "https://e/c.git"}\n      d: {git: "https://e/d.git", destination: ../out}\n',
    }),
    issues: [
      'p.gocd.yaml:5:48: destination "src/lib" of material "b" overlaps that of "a"',
      'p.gocd.yaml:6:7: git material "c" needs a "destination" when a pipeline has several git materials',
      'p.gocd.yaml:7:48: "destination" must be a relative path inside the working directory, got "../out"',
    ],
  },
  {
    name: "paths that escape the working directory",
    text: pipeline({
      job: "              artifacts: [{build: {source: /etc/passwd}}]\n",
      tasks: "                - exec: {command: make, working_directory: ../x}\n",
    }),
    issues: [
      'p.gocd.yaml:9:44: "source" must be a relative path inside the working directory, got "/etc/passwd"',
      'p.gocd.yaml:11:60: "working_directory" must be a relative path inside the working directory, got "../x"',
    ],
  },
  {
    name: "invalid names",
    text: pipeline({ top: "    group: my group\n" }).replace("compile:", "com pile:"),
    issues: [
      'p.gocd.yaml:3:12: invalid group name "my group": use letters, digits, _ - .',
      'p.gocd.yaml:9:13: invalid job name "com pile": use letters, digits, _ - . (at most 255)',
    ],
  },
  {
    name: "variable both plain and secure",
    text: pipeline({ top: "    environment_variables: {A: 1}\n    secure_variables: {A: 2}\n" }),
    issues: ['p.gocd.yaml:4:24: variable "A" is both plain and secure'],
  },
  {
    name: "external fetch without artifact_id, with a source",
    text: pipeline({
      tasks: "                - fetch: {artifact_origin: external, stage: s, job: j, source: x}\n",
    }),
    issues: [
      "p.gocd.yaml:10:27: artifact_origin: external needs artifact_id",
      // Independent of the two above, reported in the same pass (the stage is "build").
      'p.gocd.yaml:10:61: fetch: pipeline "p" has no stage "s"',
      'p.gocd.yaml:10:72: "source" is not used with artifact_origin: external',
    ],
  },
];

for (const { name, text, issues } of cases) {
  test(`error: ${name}`, () => {
    assert.deepEqual(issuesOf(text), issues);
  });
}

test("formatIssue renders file:line:column: message", () => {
  assert.equal(
    formatIssue({ file: "a.yaml", line: 3, column: 7, message: "boom", pipelines: [] }),
    "a.yaml:3:7: boom",
  );
});

test("issues name the pipelines they affect", () => {
  const snapshot = parseConfigFiles([{ path: "p.gocd.yaml", text: pipeline({ top: "    bogus: 1\n" }) }]);
  assert.deepEqual(
    snapshot.issues.map((issue) => issue.pipelines),
    [["p"]],
  );
});
