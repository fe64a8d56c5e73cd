import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const parse = (text: string) => parseConfigFiles([{ path: "p.gocd.yaml", text }]);

const config = (roles: { pipeline?: string; stage?: string; job?: string }) => `pipelines:
  app:
${roles.pipeline !== undefined ? `    role: ${roles.pipeline}\n` : ""}    materials:
      code: {git: "https://e/c.git"}
    stages:
      - build:
${roles.stage !== undefined ? `          role: ${roles.stage}\n` : ""}          jobs:
            compile:
${roles.job !== undefined ? `              role: ${roles.job}\n` : ""}              tasks:
                - exec: {command: make}
            test:
              tasks:
                - exec: {command: make}
      - publish:
          tasks:
            - exec: {command: make}
      - deploy:
          role: deployer
          tasks:
            - exec: {command: make}
`;

const rolesOf = (text: string) =>
  parse(text).pipelines[0]!.stages.flatMap((stage) => stage.jobs.map((job) => [job.name, job.role ?? null]));

test("role: the job's wins over its stage's over its pipeline's; none anywhere is no role", () => {
  assert.deepEqual(rolesOf(config({})), [
    ["compile", null],
    ["test", null],
    ["publish", null],
    ["deploy", "deployer"],
  ]);
  assert.deepEqual(rolesOf(config({ pipeline: "ci" })), [
    ["compile", "ci"],
    ["test", "ci"],
    ["publish", "ci"],
    ["deploy", "deployer"],
  ]);
  assert.deepEqual(
    rolesOf(config({ pipeline: "ci", stage: "builder", job: "arn:aws:iam::000000000000:role/ops/compiler" })),
    [
      ["compile", "arn:aws:iam::000000000000:role/ops/compiler"],
      ["test", "builder"],
      ["publish", "ci"],
      ["deploy", "deployer"],
    ],
  );
  const snapshot = parse(config({ pipeline: "ci", stage: "builder" }));
  assert.equal(snapshot.pipelines[0]!.role, "ci");
  assert.equal(snapshot.pipelines[0]!.stages[0]!.role, "builder");
});

test("role: a value that is no role name or ARN is an issue at its file, line and column", () => {
  const issues = parse(config({ pipeline: '"two words"', job: "arn:aws:s3:::bucket" })).issues.map(
    formatIssue,
  );
  assert.equal(issues.length, 2, issues.join("\n"));
  assert.match(issues[0]!, /^p\.gocd\.yaml:3:\d+: .*must be an IAM role name/);
  assert.match(issues[1]!, /^p\.gocd\.yaml:10:\d+: .*must be an IAM role name/);
  const listed = parse(config({ stage: "[a, b]" })).issues.map(formatIssue);
  assert.match(listed.join("\n"), /p\.gocd\.yaml:7:\d+: .*role/);
});
