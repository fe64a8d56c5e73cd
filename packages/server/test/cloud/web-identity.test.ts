/**
 * Fawkes's OIDC tokens exchanged at its own STS, as real AWS would with Fawkes registered as an OIDC provider:
 * a job's `id_tokens:` token goes to `aws sts assume-role-with-web-identity` (unsigned, Debian's awscli 2.9);
 * the role's trust conditions on `fawkes:sub` and `fawkes:aud` let one pipeline in and keep another out, and a
 * forged token is InvalidIdentityToken.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import {
  createGitRepo,
  summarizeRun,
  tempDir,
  waitForRun,
  writePipelineDir,
  yamlString,
} from "@fawkes/testing";
import { startServerWithAgent } from "./server-with-agent.ts";
import { awsAs } from "./support.ts";

const ROLE = "arn:aws:iam::000000000000:role/deployer";
const TRUST = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/fawkes" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringLike: { "fawkes:sub": "pipeline:deploy:stage:*:job:*" },
        StringEquals: { "fawkes:aud": "sts.amazonaws.com" },
      },
    },
  ],
};

const pipeline = (name: string, material: string) => `  ${name}:
    materials: {app: {git: ${yamlString(material)}, branch: main, auto_update: false}}
    stages:
      - release:
          id_tokens:
            WEB_TOKEN: {aud: sts.amazonaws.com}
          tasks:
            - exec:
                command: sh
                arguments:
                  - -c
                  - aws sts assume-role-with-web-identity --role-arn ${ROLE} --role-session-name ${name}-release --web-identity-token "$WEB_TOKEN" > answer.json 2> error.txt; echo $? > code.txt
`;

test(
  "a job's ID token is exchanged for the role's credentials when the trust policy names its pipeline",
  { timeout: 180_000, skip: existsSync("/usr/bin/aws") ? false : "/usr/bin/aws is not installed" },
  async (t) => {
    const repo = await createGitRepo(t, { README: "app\n" });
    const pipelines = await writePipelineDir(t, {
      "p.gocd.yaml": `format_version: 10\npipelines:\n${pipeline("deploy", repo.path)}${pipeline("other", repo.path)}`,
    });
    const { server, api, agent } = await startServerWithAgent(t, pipelines);
    const admin = server.initialAccessKey;
    assert.ok(admin);
    const home = await tempDir(t, "fawkes-aws-home-");
    const created = await awsAs(server.cloudUrl, home, admin)(
      "iam",
      "create-role",
      "--role-name",
      "deployer",
      "--assume-role-policy-document",
      JSON.stringify(TRUST),
    );
    assert.equal(created.code, 0, created.stderr);

    const outcome = async (name: string) => {
      await api.trigger(name);
      const run = await waitForRun(api, name, 1, undefined, { timeoutMs: 120_000 });
      assert.equal(run.result, "passed", `${summarizeRun(run)}\n${agent.output()}`);
      const read = (file: string) =>
        readFile(path.join(agent.workDir, "pipelines", name, file), "utf8").catch(() => "");
      return {
        code: (await read("code.txt")).trim(),
        answer: await read("answer.json"),
        error: await read("error.txt"),
      };
    };

    const deploy = await outcome("deploy");
    assert.equal(deploy.code, "0", deploy.error);
    const answer = JSON.parse(deploy.answer) as {
      Credentials: Record<string, string>;
      AssumedRoleUser: { Arn: string };
      SubjectFromWebIdentityToken: string;
    };
    assert.equal(
      answer.AssumedRoleUser.Arn,
      "arn:aws:sts::000000000000:assumed-role/deployer/deploy-release",
    );
    assert.equal(answer.SubjectFromWebIdentityToken, "pipeline:deploy:stage:release:job:release");
    const session = awsAs(server.cloudUrl, home, {
      accessKeyId: answer.Credentials.AccessKeyId!,
      secretAccessKey: answer.Credentials.SecretAccessKey!,
      sessionToken: answer.Credentials.SessionToken!,
    });
    const who = await session("sts", "get-caller-identity");
    assert.equal(
      JSON.parse(who.stdout).Arn,
      "arn:aws:sts::000000000000:assumed-role/deployer/deploy-release",
    );

    const other = await outcome("other");
    assert.notEqual(other.code, "0");
    assert.match(other.error, /\(AccessDenied\)/);

    const forged = await awsAs(server.cloudUrl, home, admin)(
      "sts",
      "assume-role-with-web-identity",
      "--role-arn",
      ROLE,
      "--role-session-name",
      "forged",
      "--web-identity-token",
      "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwaXBlbGluZTpkZXBsb3kifQ.c2lnbmF0dXJl",
    );
    assert.match(forged.stderr, /\(InvalidIdentityToken\)/);
  },
);
