/**
 * The whole path with real processes: a server (in this process, so the test can make its `fawkes-ci` role as
 * `fawkes up` does), a real `fawkes agent` given that role with `PUT /api/v1/agents/NAME/role`, and a job running
 * Debian's awscli 2.9. The job's environment holds no credentials: awscli finds them at the job's own metadata
 * endpoint (which asks the server's job credentials route), and a script exports raw keys from there with
 * `aws configure export-credentials`. Both act as the role's session; the job writes to a bucket; once the job
 * has finished its credentials are refused.
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

const sh = (script: string) => `{exec: {command: sh, arguments: ["-c", ${JSON.stringify(script)}]}}`;

test(
  "a real agent's job gets its role's credentials from its metadata endpoint only, until it ends",
  { timeout: 180_000, skip: existsSync("/usr/bin/aws") ? false : "/usr/bin/aws is not installed" },
  async (t) => {
    const repo = await createGitRepo(t, { README: "app\n" });
    const pipelines = await writePipelineDir(t, {
      "p.gocd.yaml": `format_version: 10
pipelines:
  publish:
    materials: {app: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}}
    stages:
      - upload:
          tasks:
            - ${sh('printf %s "${AWS_ACCESS_KEY_ID-unset} ${AWS_SECRET_ACCESS_KEY-unset} ${AWS_SESSION_TOKEN-unset}" > env-credentials')}
            - ${sh("aws sts get-caller-identity --query Arn --output text > arn-imds")}
            - ${sh('eval "$(aws configure export-credentials --format env)" && printf %s "$AWS_ACCESS_KEY_ID" > key-id && printf %s "$AWS_SECRET_ACCESS_KEY" > secret && printf %s "$AWS_SESSION_TOKEN" > token && aws sts get-caller-identity --query Arn --output text > arn-env')}
            - ${sh("aws s3 mb s3://builds && aws s3 cp README s3://builds/README")}
`,
    });
    const { server, api, agent } = await startServerWithAgent(t, pipelines);
    assert.equal(await server.ensureCiRole(), "fawkes-ci");
    const given = await fetch(`${server.url}/api/v1/agents/builder/role`, {
      method: "PUT",
      headers: { authorization: `Bearer ${server.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "fawkes-ci" }),
    });
    assert.equal(given.status, 200, await given.clone().text());

    await api.trigger("publish");
    const run = await waitForRun(api, "publish", 1, undefined, { timeoutMs: 120_000 });
    const log = await api.console("publish", 1, "upload", "upload");
    assert.equal(run.result, "passed", `${summarizeRun(run)}\n${log}\n${agent.output()}`);

    const workspace = path.join(agent.workDir, "pipelines", "publish");
    const read = (file: string) => readFile(path.join(workspace, file), "utf8");
    const session = "arn:aws:sts::000000000000:assumed-role/fawkes-ci/publish-1-upload";
    const key = {
      accessKeyId: await read("key-id"),
      secretAccessKey: await read("secret"),
      sessionToken: await read("token"),
    };
    // No timeout (nothing bounds the job): no credentials in its environment, which nothing would renew.
    assert.equal(await read("env-credentials"), "unset unset unset");
    assert.equal((await read("arn-imds")).trim(), session, "awscli through the job's metadata endpoint");
    assert.equal((await read("arn-env")).trim(), session, "awscli with the keys a script exported");
    assert.match(key.accessKeyId, /^ASIA/);
    assert.equal(
      log.match(/cloud credentials of role fawkes-ci: served by this job's metadata endpoint/g)?.length,
      1,
    );
    for (const secret of [key.secretAccessKey, key.sessionToken]) assert.ok(!log.includes(secret), "masked");

    // The audit log has the job's session: assumed by the server for the job, revoked when it ended.
    const audit = await fetch(`${server.url}/api/v1/audit?action=credentials.*`, {
      headers: { authorization: `Bearer ${server.apiToken}` },
    });
    const { entries } = (await audit.json()) as {
      entries: {
        action: string;
        target: string;
        actor: { kind: string };
        details: Record<string, unknown>;
      }[];
    };
    const assumed = entries.find((e) => e.action === "credentials.assume-role");
    assert.equal(assumed?.target, "role/fawkes-ci");
    assert.equal(assumed?.details.accessKeyId, key.accessKeyId);
    assert.equal(assumed?.actor.kind, "system");
    const revokedEntry = entries.find((e) => e.action === "credentials.revoke");
    assert.equal(revokedEntry?.target, `access-key/${key.accessKeyId}`);
    assert.ok(!JSON.stringify(entries).includes(key.secretAccessKey), "no secret in the audit log");
    assert.ok(!JSON.stringify(entries).includes(key.sessionToken), "no session token in the audit log");

    // The job has ended: its session was revoked with it.
    const aws = awsAs(server.cloudUrl, await tempDir(t, "fawkes-aws-home-"), key);
    assert.match((await aws("sts", "get-caller-identity")).stderr, /\(InvalidClientTokenId\)/);
    assert.match((await aws("s3", "ls")).stderr, /InvalidAccessKeyId/);
  },
);
