/**
 * The workshop's publish step, as written, on a real agent with Debian's awscli 2.9 (which ignores
 * AWS_ENDPOINT_URL): the job gets the endpoint, a region and its own access key with no configuration, the
 * agent's `aws` wrapper adds --endpoint-url, the package lands in the bucket, the console never shows a secret,
 * and the job's key stops working when the job completes.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { createGitRepo, startFawkes, summarizeRun, tempDir, waitForRun } from "@fawkes/testing";
import { s3, s3ErrorOf, savedCredentials, type Key } from "./support.ts";

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
              )}${shTask('printf %s "$AWS_ACCESS_KEY_ID" > job-key-id; printf %s "$AWS_SECRET_ACCESS_KEY" > job-secret')}${shTask(
                "aws s3 mb s3://devops-part-four || true",
              )}${shTask(
                'aws s3 cp packages/ s3://devops-part-four/ --recursive --exclude "*" --include "application-*-$GO_PIPELINE_COUNTER*"',
              )}${shTask('echo "secret=$AWS_SECRET_ACCESS_KEY region=$AWS_REGION"')}
`;

test(
  "the workshop's aws s3 cp works unchanged in a job, with masked per-job credentials",
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

      const saved = await savedCredentials(configHome, server.url);
      const admin: Key = {
        accessKeyId: String(saved?.accessKeyId),
        secretAccessKey: String(saved?.secretAccessKey),
      };
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
      const jobKey: Key = {
        accessKeyId: await readFile(path.join(workspace, "job-key-id"), "utf8"),
        secretAccessKey: await readFile(path.join(workspace, "job-secret"), "utf8"),
      };
      assert.match(jobKey.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
      assert.notEqual(jobKey.accessKeyId, admin.accessKeyId, "the job has a key of its own");
      for (const secret of [jobKey.secretAccessKey, jobKey.accessKeyId, admin.secretAccessKey])
        assert.ok(!consoleText.includes(secret), "no credential appears in the console log");

      // The job completed: its key is gone.
      const jobClient = s3(server.cloudUrl, jobKey);
      t.after(() => jobClient.destroy());
      assert.equal(
        await s3ErrorOf(jobClient.send(new ListObjectsV2Command({ Bucket: "devops-part-four" }))),
        "InvalidAccessKeyId",
      );
    });
  },
);
