/**
 * The workshop's publish step, as written, on a real agent with Debian's awscli 2.9 (which ignores
 * AWS_ENDPOINT_URL): the agent has a role (the workshop's CI slave instance profile), so the job gets the
 * endpoint, a region and its role session's temporary credentials with no configuration (at its metadata
 * endpoint; a script exports raw keys with `aws configure export-credentials`), the agent's `aws` wrapper adds
 * --endpoint-url, the package lands in the bucket, the console never shows a secret, and the job's
 * credentials stop working when the job completes.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createGitRepo, startFawkes, summarizeRun, tempDir, waitForRun } from "@fawkes/testing";
import { awsAs, s3, s3ErrorOf, savedCredentials, type Key } from "./support.ts";

const DEBIAN_AWS = "/usr/bin/aws";

const shTask = (script: string) => `
                - exec:
                    command: sh
                    arguments: ["-c", ${JSON.stringify(script)}]`;

const pipelineYaml = (repo: string) => `
format_version: 10
pipelines:
  dummy-application:
    group: workshop
    materials:
      app:
        git: ${JSON.stringify(repo)}
        branch: main
    stages:
      - publish:
          jobs:
            upload:
              tasks:${shTask("aws --version")}${shTask(
                "mkdir -p packages && tar czf packages/application-1.0.0-$GO_PIPELINE_COUNTER.tgz README && " +
                  "echo other > packages/unrelated-1.tgz",
              )}${shTask('eval "$(aws configure export-credentials --format env)"; printf %s "$AWS_ACCESS_KEY_ID" > job-key-id; printf %s "$AWS_SECRET_ACCESS_KEY" > job-secret; printf %s "$AWS_SESSION_TOKEN" > job-token')}${shTask(
                "aws s3 mb s3://devops-part-four || true",
              )}${shTask(
                'aws s3 cp packages/ s3://devops-part-four/ --recursive --exclude "*" --include "application-*-$GO_PIPELINE_COUNTER*"',
              )}${shTask('eval "$(aws configure export-credentials --format env)"; echo "secret=$AWS_SECRET_ACCESS_KEY region=$AWS_REGION"')}
`;

const PUBLISHER_TRUST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};
const PUBLISHER_POLICY = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
};

test(
  "the workshop's aws s3 cp works unchanged in a job of an agent with a role, with masked temporary credentials",
  {
    timeout: 120_000,
    skip: existsSync(DEBIAN_AWS) ? false : `${DEBIAN_AWS} (Debian's awscli) is not installed`,
  },
  async (t) => {
    const repo = await createGitRepo(t, null);
    const configHome = await tempDir(t, "fawkes-xdg-");
    const fawkes = await startFawkes(t, {
      pipelineFiles: { "app.gocd.yaml": pipelineYaml(repo.path) },
      expectPipelines: ["dummy-application"],
      serverEnv: { XDG_CONFIG_HOME: configHome },
      // Debian's awscli 2.9 first on PATH (not a newer one that reads AWS_ENDPOINT_URL), and no ~/.aws of ours.
      agentEnv: { PATH: "/usr/bin:/bin", HOME: await tempDir(t, "fawkes-home-") },
    });
    const { api, server } = fawkes;
    const saved = await savedCredentials(configHome, server.url);
    const admin: Key = {
      accessKeyId: String(saved?.accessKeyId),
      secretAccessKey: String(saved?.secretAccessKey),
    };

    // The workshop's instance profile: a role the agent's jobs assume, made with the IAM API.
    const aws = awsAs(server.cloudUrl, await tempDir(t, "fawkes-aws-home-"), admin);
    const created = await aws(
      "iam",
      "create-role",
      "--role-name",
      "publisher",
      "--assume-role-policy-document",
      JSON.stringify(PUBLISHER_TRUST),
    );
    assert.equal(created.code, 0, created.stderr);
    const put = await aws(
      "iam",
      "put-role-policy",
      "--role-name",
      "publisher",
      "--policy-name",
      "publish",
      "--policy-document",
      JSON.stringify(PUBLISHER_POLICY),
    );
    assert.equal(put.code, 0, put.stderr);
    await fawkes.cliOk(["agents", "set-role", fawkes.agents[0]!.name, "publisher"]);

    await fawkes.diagnose(async () => {
      await repo.commit({ README: "the application\n" }, "first");
      await api.notify(repo.path);
      const run = await waitForRun(api, "dummy-application", 1, undefined, { timeoutMs: 90_000 });
      const consoleText = await api.console("dummy-application", 1, "publish", "upload");
      assert.equal(run.result, "passed", `${summarizeRun(run)}\n${consoleText}`);
      assert.match(consoleText, /aws-cli\/2\.9\./, "the job ran Debian's awscli 2.9");
      assert.match(
        consoleText,
        /upload: packages\/application-1\.0\.0-1\.tgz to s3:\/\/devops-part-four\/application-1\.0\.0-1\.tgz/,
      );
      assert.match(consoleText, / secret=\*{6} region=us-east-1$/m);

      const client = s3(server.cloudUrl, admin);
      t.after(() => client.destroy());
      const listed = await client.send(new ListObjectsV2Command({ Bucket: "devops-part-four" }));
      assert.deepEqual(
        (listed.Contents ?? []).map((object) => object.Key),
        ["application-1.0.0-1.tgz"],
      );
      const object = await client.send(
        new GetObjectCommand({ Bucket: "devops-part-four", Key: "application-1.0.0-1.tgz" }),
      );
      assert.equal((await object.Body?.transformToByteArray())?.[0], 0x1f, "a gzip file");

      const workspace = path.join(fawkes.agents[0]!.workDir, "pipelines", "dummy-application");
      const jobKey = {
        accessKeyId: await readFile(path.join(workspace, "job-key-id"), "utf8"),
        secretAccessKey: await readFile(path.join(workspace, "job-secret"), "utf8"),
        sessionToken: await readFile(path.join(workspace, "job-token"), "utf8"),
      };
      assert.match(jobKey.accessKeyId, /^ASIA[A-Z2-7]{16}$/, "the job has temporary credentials of its role");
      for (const secret of [
        jobKey.secretAccessKey,
        jobKey.accessKeyId,
        jobKey.sessionToken,
        admin.secretAccessKey,
      ])
        assert.ok(!consoleText.includes(secret), "no credential appears in the console log");

      // The job completed: its session was revoked with it.
      const jobClient = s3(server.cloudUrl, jobKey);
      t.after(() => jobClient.destroy());
      assert.equal(
        await s3ErrorOf(jobClient.send(new ListObjectsV2Command({ Bucket: "devops-part-four" }))),
        "InvalidAccessKeyId",
      );
    });
  },
);
