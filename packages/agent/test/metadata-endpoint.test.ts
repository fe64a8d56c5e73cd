/**
 * A job's instance metadata endpoint, served by the agent that runs it: real jobs on a real agent (against the
 * fake server, which answers the credentials route), read by the AWS SDK v3's `fromInstanceMetadata`, by awscli
 * 2.9 and by raw HTTP.
 */
import assert from "node:assert/strict";
import { createServer, request as httpRequest, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { test, type TestContext } from "node:test";
import { fromInstanceMetadata } from "@aws-sdk/credential-providers";
import type { EnvVar, RoleCredentials } from "@fawkes/protocol";
import type { FakeServer } from "./support/fake-server.ts";
import {
  exec,
  jobAssignment,
  runToCompletion,
  sh,
  startServer,
  startTestAgent,
  tempDir,
  waitFor,
} from "./support/helpers.ts";

const AWSCLI = "/usr/bin/aws";
/** What the jobs' scripts import: the provider this test imports too. */
const sdkUrl = import.meta.resolve("@aws-sdk/credential-providers");

/** Serves fresh credentials per call, each set `lifetimeMs` long; remembers what it issued. */
function issueCredentials(server: FakeServer, lifetimeMs = 3_600_000): RoleCredentials[] {
  const issued: RoleCredentials[] = [];
  server.roleCredentials = () => {
    const n = issued.length + 1;
    const credentials: RoleCredentials = {
      roleArn: "arn:aws:iam::000000000000:role/fawkes-ci",
      roleName: "fawkes-ci",
      accessKeyId: `ASIAIMDSTEST${String(n).padStart(8, "0")}`,
      secretAccessKey: `imds-secret-${n}-${Math.random().toString(36).slice(2)}`,
      sessionToken: `imds-session-${n}-${Math.random().toString(36).slice(2)}`,
      // Milliseconds on purpose: the endpoint must drop them.
      expiration: Date.now() + lifetimeMs + 123,
    };
    issued.push(credentials);
    return credentials;
  };
  return issued;
}

function credentialCalls(server: FakeServer, jobRunId: number): number {
  return server.received.filter((r) => r.path === `/agent/v1/jobs/${jobRunId}/credentials`).length;
}

/** Variables that keep awscli from reading a config or credentials file of the test's host. */
function isolatedAws(dir: string): EnvVar[] {
  return [
    { name: "AWS_CONFIG_FILE", value: join(dir, "no-config"), secure: false },
    { name: "AWS_SHARED_CREDENTIALS_FILE", value: join(dir, "no-credentials"), secure: false },
    { name: "OUT", value: dir, secure: false },
  ];
}

/** An S3 stand-in that records who signed each request, and answers ListBuckets with no buckets. */
async function recordingS3(t: TestContext): Promise<{ url: string; requests: IncomingHttpHeaders[] }> {
  const requests: IncomingHttpHeaders[] = [];
  const server = createServer((req, res) => {
    requests.push(req.headers);
    req.resume();
    res.writeHead(200, { "content-type": "application/xml" });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        "<Owner><ID>fawkes</ID><DisplayName>fawkes</DisplayName></Owner><Buckets></Buckets></ListAllMyBucketsResult>",
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

/** The SDK's provider, run inside the job: writes what it got (or its error) to $OUT/sdk.json, prints the key. */
const SDK_SCRIPT = `
import { writeFileSync } from "node:fs";
const { fromInstanceMetadata } = await import(${JSON.stringify(sdkUrl)});
try {
  const c = await fromInstanceMetadata({ timeout: 5000 })();
  writeFileSync(process.env.OUT + "/sdk.json", JSON.stringify({ ok: true, accessKeyId: c.accessKeyId,
    secretAccessKey: c.secretAccessKey, sessionToken: c.sessionToken, expiration: c.expiration.toISOString() }));
  console.log("sdk credentials", c.accessKeyId, c.secretAccessKey, c.sessionToken);
} catch (error) {
  writeFileSync(process.env.OUT + "/sdk.json", JSON.stringify({ ok: false, error: error.name, message: error.message }));
}
`;

test("a job's tasks get its own endpoint and never AWS_EC2_METADATA_DISABLED, whatever the agent inherited", async (t) => {
  const saved = process.env.AWS_EC2_METADATA_DISABLED;
  // As `fawkes up` starts its agents: the agent itself is told not to look for metadata.
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  t.after(() => {
    if (saved === undefined) delete process.env.AWS_EC2_METADATA_DISABLED;
    else process.env.AWS_EC2_METADATA_DISABLED = saved;
  });
  const server = await startServer(t);
  await startTestAgent(t, server);
  const first = jobAssignment({ tasks: [exec("env", [])] });
  const second = jobAssignment({ tasks: [exec("env", [])] });
  assert.equal(await runToCompletion(server, first), "passed");
  assert.equal(await runToCompletion(server, second), "passed");
  const endpoints = [first, second].map((job) => {
    const text = server.consoleText(job.jobRunId);
    assert.doesNotMatch(text, /AWS_EC2_METADATA_DISABLED/);
    const endpoint = /^AWS_EC2_METADATA_SERVICE_ENDPOINT=(.*)$/m.exec(text)?.[1];
    assert.match(
      endpoint ?? "",
      /^http:\/\/127\.0\.0\.1:\d+\/$/,
      "loopback, a port of its own, trailing slash",
    );
    return endpoint;
  });
  assert.notEqual(endpoints[0], endpoints[1], "each job has its own endpoint");
  // Nobody asked for credentials: the server is not asked either.
  assert.equal(credentialCalls(server, first.jobRunId), 0);
});

test("the AWS SDK's fromInstanceMetadata gets the job's credentials, masked in the console", async (t) => {
  const server = await startServer(t);
  const issued = issueCredentials(server);
  await startTestAgent(t, server);
  const out = await tempDir(t);
  const job = jobAssignment({
    environment: isolatedAws(out),
    tasks: [exec(process.execPath, ["--input-type=module", "-e", SDK_SCRIPT])],
  });
  assert.equal(await runToCompletion(server, job, 30_000), "passed");
  const got = JSON.parse(await readFile(join(out, "sdk.json"), "utf8")) as Record<string, string>;
  assert.equal(got.ok, true, JSON.stringify(got));
  assert.equal(issued.length, 1);
  const served = issued[0]!;
  assert.equal(got.accessKeyId, served.accessKeyId);
  assert.equal(got.secretAccessKey, served.secretAccessKey);
  assert.equal(got.sessionToken, served.sessionToken);
  assert.equal(got.expiration, new Date(Math.floor(served.expiration / 1000) * 1000).toISOString());
  const text = server.consoleText(job.jobRunId);
  assert.match(text, /sdk credentials \*{6} \*{6} \*{6}/);
  for (const value of [served.accessKeyId, served.secretAccessKey, served.sessionToken])
    assert.ok(!text.includes(value), "credential values never reach the console");
  // The agent asked with the job's lease.
  const call = server.received.find((r) => r.path === `/agent/v1/jobs/${job.jobRunId}/credentials`);
  assert.equal(call?.headers["x-fawkes-lease"], job.leaseId);
});

test("awscli 2.9 signs with the credentials of the job's endpoint (and takes its region from it)", async (t) => {
  const server = await startServer(t);
  const issued = issueCredentials(server);
  await startTestAgent(t, server);
  const out = await tempDir(t);
  const s3 = await recordingS3(t);
  const job = jobAssignment({
    environment: isolatedAws(out),
    tasks: [
      sh(`${AWSCLI} configure list > "$OUT/configure-list.txt" 2>&1`),
      sh(`${AWSCLI} s3 ls --endpoint-url ${s3.url}`),
    ],
  });
  assert.equal(await runToCompletion(server, job, 60_000), "passed", server.consoleText(job.jobRunId));
  const served = issued.at(-1)!;
  const list = await readFile(join(out, "configure-list.txt"), "utf8");
  assert.match(list, new RegExp(`access_key\\s+\\*+${served.accessKeyId.slice(-4)}\\s+iam-role`));
  assert.match(list, /region\s+us-east-1\s+imds/, "the region is the endpoint's availability zone's");
  assert.equal(s3.requests.length, 1);
  const signed = s3.requests[0]!;
  assert.match(
    String(signed.authorization),
    new RegExp(`Credential=${served.accessKeyId}/\\d{8}/us-east-1/s3/aws4_request`),
  );
  assert.equal(signed["x-amz-security-token"], served.sessionToken);
});

test("the endpoint over HTTP: token rules, EC2's document, refresh near expiry, gone when the job ends", async (t) => {
  const server = await startServer(t);
  // Ten minutes: inside the 15-minute window, so every read asks the server again.
  const issued = issueCredentials(server, 10 * 60_000);
  const out = await tempDir(t);
  // Should an assertion fail, the task still ends before the agent stops (hooks run in order).
  t.after(() => writeFile(join(out, "go"), "").catch(() => undefined));
  await startTestAgent(t, server);
  const job = jobAssignment({
    environment: isolatedAws(out),
    tasks: [
      sh(
        'printf %s "$AWS_EC2_METADATA_SERVICE_ENDPOINT" > "$OUT/endpoint.tmp" && mv "$OUT/endpoint.tmp" "$OUT/endpoint"; ' +
          'while [ ! -e "$OUT/go" ] && [ -d "$OUT" ]; do sleep 0.02; done',
      ),
    ],
  });
  const record = server.assign(job);
  const endpointFile = join(out, "endpoint");
  await waitFor("the task to publish its endpoint", () =>
    access(endpointFile).then(
      () => true,
      () => false,
    ),
  );
  const endpoint = await readFile(endpointFile, "utf8");
  assert.match(endpoint, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const url = (path: string) => new URL(path, endpoint);
  const ttl = { "x-aws-ec2-metadata-token-ttl-seconds": "21600" };

  assert.equal((await fetch(url("latest/api/token"), { method: "PUT" })).status, 400, "no TTL");
  assert.equal(
    (
      await fetch(url("latest/api/token"), {
        method: "PUT",
        headers: { ...ttl, "x-forwarded-for": "1.2.3.4" },
      })
    ).status,
    403,
  );
  assert.equal((await fetch(url("latest/meta-data/instance-id"))).status, 401, "no token");
  const tokenResponse = await fetch(url("latest/api/token"), { method: "PUT", headers: ttl });
  assert.equal(tokenResponse.status, 200);
  assert.equal(tokenResponse.headers.get("x-aws-ec2-metadata-token-ttl-seconds"), "21600");
  const token = await tokenResponse.text();
  const get = (path: string) => fetch(url(path), { headers: { "x-aws-ec2-metadata-token": token } });

  const instanceId = await (await get("latest/meta-data/instance-id")).text();
  assert.equal(instanceId, `i-${job.jobRunId.toString(16).padStart(17, "0")}`);
  assert.equal(await (await get("latest/meta-data/local-ipv4")).text(), "127.0.0.1");
  assert.equal(await (await get("latest/meta-data/placement/availability-zone")).text(), "us-east-1a");
  assert.equal((await get("latest/user-data")).status, 404, "a job has no user data");
  const identity = (await (await get("latest/dynamic/instance-identity/document")).json()) as Record<
    string,
    string
  >;
  assert.equal(identity.instanceId, instanceId);
  assert.equal(identity.accountId, "000000000000");
  assert.equal(credentialCalls(server, job.jobRunId), 0, "credentials are asked for when first read");

  assert.equal(await (await get("latest/meta-data/iam/security-credentials/")).text(), "fawkes-ci");
  const response = await get("latest/meta-data/iam/security-credentials/fawkes-ci");
  assert.equal(response.status, 200);
  assert.equal(response.headers.get("content-type"), "text/plain");
  const document = (await response.json()) as Record<string, string>;
  assert.equal(document.Code, "Success");
  assert.equal(document.Type, "AWS-HMAC");
  assert.match(document.Expiration!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/, "no fractional seconds");
  assert.match(document.LastUpdated!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const latest = issued.at(-1)!;
  assert.equal(document.AccessKeyId, latest.accessKeyId);
  assert.equal(document.Token, latest.sessionToken);
  // Less than 15 minutes left on them: the next read asks the server and serves the new set.
  const callsBefore = credentialCalls(server, job.jobRunId);
  const again = (await (await get("latest/meta-data/iam/security-credentials/fawkes-ci")).json()) as Record<
    string,
    string
  >;
  assert.equal(credentialCalls(server, job.jobRunId), callsBefore + 1);
  assert.equal(again.AccessKeyId, issued.at(-1)!.accessKeyId);
  assert.notEqual(again.AccessKeyId, document.AccessKeyId);
  // The SDK on the agent's host (this process) reads the same endpoint, and gets the newest set.
  process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = endpoint;
  t.after(() => delete process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT);
  const sdk = await fromInstanceMetadata({ timeout: 5_000 })();
  assert.equal(sdk.accessKeyId, issued.at(-1)!.accessKeyId);
  assert.equal(sdk.sessionToken, issued.at(-1)!.sessionToken);

  // A request naming the endpoint by another host name (DNS rebinding) is refused.
  const rebound = await new Promise<number>((resolve, reject) => {
    const request = httpRequest(url("latest/api/token"), {
      method: "PUT",
      headers: { ...ttl, host: "attacker.example" },
    });
    request.on("response", (answer) => {
      answer.resume();
      resolve(answer.statusCode ?? 0);
    });
    request.on("error", reject);
    request.end();
  });
  assert.equal(rebound, 403);

  await writeFile(join(out, "go"), "");
  await waitFor("the job to complete", () => record.result !== undefined, 15_000);
  assert.equal(record.result, "passed");
  await assert.rejects(
    fetch(url("latest/api/token"), { method: "PUT", headers: ttl }),
    (error: Error) => /ECONNREFUSED/.test(String((error.cause as Error | undefined)?.message ?? error)),
    "the endpoint is closed once the job is over",
  );
  const text = server.consoleText(job.jobRunId);
  for (const served of issued) assert.ok(!text.includes(served.secretAccessKey));
});

test("a job without a role: the credentials path is 404 and the clients find no credentials", async (t) => {
  const server = await startServer(t);
  server.roleCredentials = () => null;
  await startTestAgent(t, server);
  const out = await tempDir(t);
  const s3 = await recordingS3(t);
  const job = jobAssignment({
    environment: isolatedAws(out),
    tasks: [
      exec(process.execPath, ["--input-type=module", "-e", SDK_SCRIPT]),
      sh(
        `T=$(curl -sf -X PUT -H 'x-aws-ec2-metadata-token-ttl-seconds: 60' "\${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/api/token") && ` +
          `curl -s -o /dev/null -w '%{http_code}' -H "x-aws-ec2-metadata-token: $T" ` +
          `"\${AWS_EC2_METADATA_SERVICE_ENDPOINT}latest/meta-data/iam/security-credentials/" > "$OUT/status"`,
      ),
      sh(`${AWSCLI} configure list > "$OUT/configure-list.txt" 2>&1`),
      sh(`${AWSCLI} s3 ls --endpoint-url ${s3.url} --region us-east-1`),
    ],
  });
  // The last task fails: awscli has no credentials.
  assert.equal(await runToCompletion(server, job, 60_000), "failed");
  assert.equal(await readFile(join(out, "status"), "utf8"), "404");
  const sdk = JSON.parse(await readFile(join(out, "sdk.json"), "utf8")) as Record<string, unknown>;
  assert.equal(sdk.ok, false);
  assert.match(String(sdk.error), /ProviderError$/);
  assert.match(String(sdk.message), /instance metadata service/);
  assert.match(await readFile(join(out, "configure-list.txt"), "utf8"), /access_key\s+<not set>/);
  assert.match(server.consoleText(job.jobRunId), /Unable to locate credentials/);
  assert.equal(s3.requests.length, 0, "awscli sent nothing unsigned or signed");
  assert.equal(credentialCalls(server, job.jobRunId), 1, "no role is asked about once");
});
