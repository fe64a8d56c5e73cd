/** `id_tokens:` (Fawkes extension): OIDC ID tokens of a job, named by variable, with 1..n audiences. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { formatIssue, parseConfigFiles } from "@fawkes/core";

const parse = (text: string) => parseConfigFiles([{ path: "p.gocd.yaml", text }]);
const issuesOf = (text: string) => parse(text).issues.map(formatIssue);

const config = (idTokens: string, extra = "") => `pipelines:
  app:
    materials:
      code: {git: "https://e/c.git"}
    stages:
      - deploy:
          jobs:
            ship:
${extra}              id_tokens:
${idTokens}              tasks:
                - exec: {command: make}
`;

test("id_tokens resolve to variables with their audiences, on a job and on a single-job stage", () => {
  const snapshot = parse(
    config(
      "                AWS_TOKEN: {aud: sts.amazonaws.com}\n" +
        "                VAULT_TOKEN: {aud: [https://vault.example, vault, vault]}\n",
    ),
  );
  assert.deepEqual(snapshot.issues, []);
  const job = snapshot.pipelines[0]!.stages[0]!.jobs[0]!;
  assert.deepEqual(job.idTokens, [
    { variable: "AWS_TOKEN", audiences: ["sts.amazonaws.com"] },
    { variable: "VAULT_TOKEN", audiences: ["https://vault.example", "vault"] },
  ]);

  const single = parse(`pipelines:
  app:
    materials:
      code: {git: "https://e/c.git"}
    stages:
      - deploy:
          id_tokens: {TOKEN: {aud: x}}
          tasks:
            - exec: {command: make}
`);
  assert.deepEqual(single.issues, []);
  assert.deepEqual(single.pipelines[0]!.stages[0]!.jobs[0]!.idTokens, [
    { variable: "TOKEN", audiences: ["x"] },
  ]);
});

test("a job without id_tokens has no idTokens key (older snapshots stay unchanged)", () => {
  const snapshot = parse(config("").replace("              id_tokens:\n", ""));
  assert.deepEqual(snapshot.issues, []);
  assert.equal("idTokens" in snapshot.pipelines[0]!.stages[0]!.jobs[0]!, false);
});

test("bad id_tokens are issues with file, line and column", () => {
  assert.deepEqual(issuesOf(config("                1TOKEN: {aud: x}\n")), [
    'p.gocd.yaml:10:17: invalid ID token variable name "1TOKEN": use letters, digits and _, not starting with a digit',
  ]);
  assert.deepEqual(issuesOf(config("                T: {aud: []}\n")), [
    "p.gocd.yaml:10:21: an ID token needs an audience",
  ]);
  assert.deepEqual(issuesOf(config('                T: {aud: ["ok", ""]}\n')), [
    "p.gocd.yaml:10:33: an audience must be 1–255 characters",
  ]);
  assert.deepEqual(issuesOf(config("                T: {}\n")).length, 1);
  assert.match(
    issuesOf(config("                T: {aud: x, lifetime: 5}\n"))[0]!,
    /^p\.gocd\.yaml:10:\d+: unknown key "lifetime"/,
  );
  assert.deepEqual(
    issuesOf(config("                T: {aud: x}\n", "              environment_variables: {T: plain}\n")),
    ['p.gocd.yaml:11:17: "T" is also an environment variable of this job'],
  );
});

test("id_tokens on a stage with jobs is an issue, not silently ignored", () => {
  assert.deepEqual(
    issuesOf(`pipelines:
  app:
    materials:
      code: {git: "https://e/c.git"}
    stages:
      - deploy:
          id_tokens: {TOKEN: {aud: x}}
          jobs:
            ship:
              tasks:
                - exec: {command: make}
`),
    [
      "p.gocd.yaml:7:11: id_tokens belongs on each job that needs a token (or on a single-job stage), not on a stage with jobs",
    ],
  );
});
