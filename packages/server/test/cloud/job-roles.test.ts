/**
 * Who gets what, on the real engine and agent protocol with the cloud endpoint and Debian's awscli 2.9 using
 * exactly the credentials a job's metadata endpoint is given (none are in its environment): a job with a role lists buckets, a role that does not allow it is
 * AccessDenied, a job without a role gets no credentials, its agent's role applies when the job names none, a
 * role that does not trust the job fails it with a console message, the credentials route refreshes, and a
 * job's credentials are refused once the job has finished.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import test, { type TestContext } from "node:test";
import type { JobAssignment } from "@fawkes/protocol";
import { createGitRepo, tempDir, waitFor, yamlString } from "@fawkes/testing";
import { startCloud } from "../../src/cloud/runtime.ts";
import { Roles } from "../../src/identity/roles.ts";
import { startEngineHarness, type EngineHarness } from "../support/engine-harness.ts";
import type { ScriptedAgent } from "../support/scripted-agent.ts";
import { awsAs } from "./support.ts";

const ACCOUNT = "000000000000";
const skip = existsSync("/usr/bin/aws") ? false : "/usr/bin/aws (Debian's awscli) is not installed";

const LIST = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:ListAllMyBuckets", Resource: "*" }],
};
const trustPipeline = (pattern: string) => ({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/fawkes` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { "fawkes:sub": pattern } },
    },
  ],
});
const TRUST_EC2 = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
};

const job = (roleLine: string) => `{jobs: {j: {${roleLine}tasks: [{exec: {command: "true"}}]}}}`;

async function setup(
  t: TestContext,
): Promise<{ harness: EngineHarness; agent: ScriptedAgent; home: string; url: string }> {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const material = `{src: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}}`;
  const pipeline = (name: string, stageJob: string) =>
    `  ${name}:\n    materials: ${material}\n    stages:\n      - only: ${stageJob}\n`;
  const harness = await startEngineHarness(t, {
    pipelineFiles: {
      "p.gocd.yaml":
        "format_version: 10\npipelines:\n" +
        // A `timeout:` bounds silent minutes only, not the job's run: credentials stay out of the environment.
        pipeline("reader", job("role: s3-reader, timeout: 30, ")) +
        pipeline("nothing", job("role: s3-nothing, ")) +
        pipeline("untrusted", job("role: s3-reader, ")) +
        pipeline("plain", job("")),
    },
    expectPipelines: ["reader", "nothing", "untrusted", "plain"],
    // The refresh test moves the engine's clock by most of an hour: the agent must not be lost meanwhile.
    options: { agentLostAfterMs: 24 * 3600_000 },
  });
  // The roles store itself: the dispatch step reads the role in its own transaction.
  const roles = new Roles(harness.engine.ctx.db);
  const make = async (name: string, trust: unknown, policy: unknown) => {
    await roles.createRole({ name, trustPolicy: trust });
    if (policy !== undefined) await roles.putRolePolicy(name, "policy", policy);
  };
  await make("s3-reader", trustPipeline("pipeline:reader:stage:*:job:*"), LIST);
  await make("s3-nothing", trustPipeline("pipeline:*"), undefined);
  await make("instance", TRUST_EC2, LIST);
  const dataDir = await tempDir(t, "fawkes-job-roles-");
  const cloud = await startCloud(
    { dataDir, host: "127.0.0.1", port: 0, dataKey: randomBytes(32) },
    harness.engine.ctx.db,
  );
  t.after(() => cloud.close());
  harness.engine.ctx.cloud = cloud;
  const agent = await harness.agent("builder");
  return { harness, agent, home: await tempDir(t, "fawkes-aws-home-"), url: cloud.url };
}

/** Triggers `pipeline` and takes its job with `agent`. */
async function runJob(
  harness: EngineHarness,
  agent: ScriptedAgent,
  pipeline: string,
): Promise<JobAssignment> {
  const work = agent.work();
  await harness.api.trigger(pipeline);
  const assignment = await work;
  assert.ok(assignment, `${pipeline}: the agent got no job`);
  return assignment;
}

const env = (assignment: JobAssignment) => new Map(assignment.environment.map((v) => [v.name, v]));

const CREDENTIAL_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"];

/**
 * The job's credentials as its metadata endpoint gets them (the job credentials route, with the lease): never in
 * its environment, which nothing would renew.
 */
async function jobKey(agent: ScriptedAgent, assignment: JobAssignment) {
  const vars = env(assignment);
  for (const name of CREDENTIAL_VARIABLES)
    assert.equal(vars.get(name), undefined, `${name} in the environment`);
  const route = await agent.credentials(assignment);
  assert.equal(route.status, 200, JSON.stringify(route.body));
  const { credentials } = route.body as {
    credentials: { accessKeyId: string; secretAccessKey: string; sessionToken: string } | null;
  };
  assert.ok(credentials, "the job has no credentials");
  const { accessKeyId, secretAccessKey, sessionToken } = credentials;
  return { accessKeyId, secretAccessKey, sessionToken };
}

test(
  "a job with a role lists buckets with its credentials; they are refused once the job finished",
  { skip, timeout: 120_000 },
  async (t) => {
    const { harness, agent, home, url } = await setup(t);
    const assignment = await runJob(harness, agent, "reader");
    const key = await jobKey(agent, assignment);
    assert.match(key.accessKeyId, /^ASIA/);
    const aws = awsAs(url, home, key);
    const who = await aws("sts", "get-caller-identity");
    assert.equal(who.code, 0, who.stderr);
    assert.equal(JSON.parse(who.stdout).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/s3-reader/reader-1-j`);
    const listed = await aws("s3", "ls");
    assert.equal(listed.code, 0, listed.stderr);

    // The credentials route gives the same session while more than 20 minutes remain.
    const route = await agent.credentials(assignment);
    assert.equal(route.status, 200, JSON.stringify(route.body));
    const body = route.body as { credentials: { accessKeyId: string; roleName: string } };
    assert.equal(body.credentials.accessKeyId, key.accessKeyId);
    assert.equal(body.credentials.roleName, "s3-reader");

    // 45 minutes on (the engine's clock): a new session; the older stays valid until the job ends.
    harness.clock.advance(45 * 60_000);
    const refreshed = await agent.credentials(assignment);
    const fresh = (refreshed.body as { credentials: { accessKeyId: string; expiration: number } })
      .credentials;
    assert.notEqual(fresh.accessKeyId, key.accessKeyId);
    assert.equal((await aws("s3", "ls")).code, 0);

    await agent.run(assignment, "passed");
    await harness.run("reader", 1, (run) => run.result === "passed");
    // The console says once how the credentials are provided, never what they are.
    const console = await harness.api.console("reader", 1, "only", "j");
    const notes = console.match(
      /cloud credentials of role s3-reader: served by this job's metadata endpoint/g,
    );
    assert.equal(notes?.length, 1, console);
    assert.match(console, /aws configure export-credentials --format env/);
    for (const secret of [key.secretAccessKey, key.sessionToken, fresh.accessKeyId])
      assert.ok(!console.includes(secret), "no credential in the console");
    const after = await aws("s3", "ls");
    assert.notEqual(after.code, 0);
    assert.match(after.stderr, /InvalidAccessKeyId/);
    assert.match((await aws("sts", "get-caller-identity")).stderr, /InvalidClientTokenId/);
    assert.deepEqual(await harness.engine.ctx.cloud!.sessions.list(), []);
  },
);

test(
  "a role that does not allow listing is AccessDenied; a job without a role gets no credentials, then its agent's",
  { skip, timeout: 120_000 },
  async (t) => {
    const { harness, agent, home, url } = await setup(t);
    const nothing = await runJob(harness, agent, "nothing");
    const denied = await awsAs(url, home, await jobKey(agent, nothing))("s3", "ls");
    assert.match(denied.stderr, /AccessDenied/);
    await agent.run(nothing, "passed");

    const plain = await runJob(harness, agent, "plain");
    const vars = env(plain);
    for (const name of CREDENTIAL_VARIABLES) assert.equal(vars.get(name), undefined);
    assert.ok(vars.get("AWS_ENDPOINT_URL"), "the endpoint is still given");
    const none = await agent.credentials(plain);
    assert.deepEqual([none.status, none.body], [200, { credentials: null }], "no role: no credentials");
    assert.doesNotMatch(await harness.api.console("plain", 1, "only", "j"), /cloud credentials of role/);
    await agent.run(plain, "passed");

    // A role whose trust policy names no EC2 is refused for an agent; one that does is given.
    const refused = await fetch(`${harness.url}/api/v1/agents/builder/role`, {
      method: "PUT",
      headers: { authorization: `Bearer ${harness.keys.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "s3-reader" }),
    });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, "FAWKES_ROLE_NOT_TRUSTED");
    const given = await fetch(`${harness.url}/api/v1/agents/builder/role`, {
      method: "PUT",
      headers: { authorization: `Bearer ${harness.keys.apiToken}`, "content-type": "application/json" },
      body: JSON.stringify({ role: "instance" }),
    });
    assert.equal(given.status, 200, await given.clone().text());
    assert.equal(((await given.json()) as { role: string }).role, `arn:aws:iam::${ACCOUNT}:role/instance`);
    const again = await runJob(harness, agent, "plain");
    const who = await awsAs(url, home, await jobKey(agent, again))("sts", "get-caller-identity");
    assert.equal(JSON.parse(who.stdout).Arn, `arn:aws:sts::${ACCOUNT}:assumed-role/instance/plain-2-j`);
    await agent.run(again, "passed");
  },
);

test(
  "a role whose trust policy does not allow the job fails it, with a console message, and issues nothing",
  { skip, timeout: 60_000 },
  async (t) => {
    const { harness, agent } = await setup(t);
    const work = agent.work(60_000);
    await harness.api.trigger("untrusted");
    const run = await harness.run("untrusted", 1, (r) => r.result === "failed");
    assert.equal(run.result, "failed");
    const message = /role s3-reader's trust policy does not allow pipeline:untrusted:stage:only:job:j/;
    await waitFor(async () => message.test(await harness.api.console("untrusted", 1, "only", "j")), {
      timeoutMs: 10_000,
      message: "the console note",
    });
    assert.deepEqual(await harness.engine.ctx.cloud!.sessions.list({ all: true }), []);
    harness.clock.advance(60_000);
    assert.equal(await work, null);
  },
);
