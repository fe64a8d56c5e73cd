/**
 * `script:` tasks take `run_if` and `on_cancel` beside `script` (a GoCD user expects them as on exec); on an exec
 * or fetch task those keys beside the kind are refused with where they go instead.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const file = (tasks: string) => `pipelines:
  p:
    materials: {code: {git: "https://e/c.git"}}
    stages:
      - build:
          tasks:
${tasks}`;

test("a script task's run_if and on_cancel become the exec task's", () => {
  const result = parseConfigFiles([
    {
      path: "p.gocd.yaml",
      text: file(`            - script: make test
            - script: |
                tar czf logs.tgz logs
              run_if: failed
              on_cancel:
                script: pkill -f make
            - script: echo always
              run_if: any
              on_cancel: {exec: {command: sh, arguments: [-c, "echo bye"]}}
`),
    },
  ]);
  assert.deepEqual(result.issues, []);
  const tasks = result.pipelines[0]!.stages[0]!.jobs[0]!.tasks;
  assert.deepEqual(
    tasks.map((task) =>
      task.kind === "exec"
        ? {
            arguments: task.arguments,
            runIf: task.runIf,
            onCancel: task.onCancel?.kind === "exec" ? task.onCancel.arguments : null,
          }
        : null,
    ),
    [
      { arguments: ["-c", "make test"], runIf: ["passed"], onCancel: null },
      { arguments: ["-c", "tar czf logs.tgz logs\n"], runIf: ["failed"], onCancel: ["-c", "pkill -f make"] },
      { arguments: ["-c", "echo always"], runIf: ["any"], onCancel: ["-c", "echo bye"] },
    ],
  );
});

test("run_if or on_cancel beside exec or fetch says to put it inside; a script's values are checked", () => {
  const issues = parseConfigFiles([
    {
      path: "p.gocd.yaml",
      text: file(`            - exec: {command: make}
              run_if: failed
            - fetch: {stage: build, job: build, source: x}
              on_cancel: {script: echo}
            - script: echo
              run_if: sometimes
            - script: echo
              on_cancel: {script: echo, on_cancel: {script: echo}}
`),
    },
  ]).issues.map(formatIssue);
  assert.deepEqual(issues, [
    'p.gocd.yaml:8:15: "run_if" of an exec task goes inside "exec" (exec: {..., run_if: ...}); beside the task kind it is only for script tasks',
    'p.gocd.yaml:10:15: "on_cancel" of a fetch task goes inside "fetch" (fetch: {..., on_cancel: ...}); beside the task kind it is only for script tasks',
    'p.gocd.yaml:12:23: "run_if" must be one of passed, failed, any, got "sometimes"',
    'p.gocd.yaml:14:41: "on_cancel" an on_cancel task cannot have its own on_cancel',
  ]);
});
