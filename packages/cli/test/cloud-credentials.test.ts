/**
 * Whose credentials the AWS-client commands sign with, run as subprocesses (the SDK's metadata provider reads the
 * process's environment): a job's metadata endpoint ($AWS_EC2_METADATA_SERVICE_ENDPOINT) wins over the
 * administrator key saved on the machine, a job without a role gets no credentials (never the saved key), and
 * without a metadata endpoint the saved key is used.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { runCli } from "@fawkes/testing";
import { saveServerToken } from "../src/credentials.ts";
import { CFN_XMLNS } from "./aws-capture.ts";
import { fakeServer, tempDir } from "./helpers.ts";

const ADMIN_KEY = "AKIAFAWKESADMIN00001";
const ROLE_KEY = "ASIAFAWKESJOBROLE001";

test("a job's metadata endpoint beats the saved key; no role means no credentials", async (t) => {
  const cfn = await fakeServer(t, (_request, response) => {
    response.writeHead(200, { "content-type": "text/xml" });
    response.end(
      `<DescribeStacksResponse xmlns="${CFN_XMLNS}"><DescribeStacksResult><Stacks/></DescribeStacksResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DescribeStacksResponse>`,
    );
  });
  let role: string | undefined = "ci-deployer";
  const imds = await fakeServer(t, (request, response) => {
    if (request.method === "PUT" && request.url === "/latest/api/token") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end("token-1");
      return;
    }
    const base = "/latest/meta-data/iam/security-credentials/";
    if (role !== undefined && request.url === base) {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(role);
      return;
    }
    if (role !== undefined && request.url === `${base}${role}`) {
      response.writeHead(200, { "content-type": "text/plain" });
      response.end(
        JSON.stringify({
          Code: "Success",
          Type: "AWS-HMAC",
          AccessKeyId: ROLE_KEY,
          SecretAccessKey: "role-secret",
          Token: "role-session-token",
          Expiration: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d+Z$/, "Z"),
        }),
      );
      return;
    }
    response.writeHead(404);
    response.end();
  });
  const xdg = tempDir(t);
  const server = "http://127.0.0.1:1";
  saveServerToken(
    server,
    "t",
    "/nowhere",
    { XDG_CONFIG_HOME: xdg },
    {
      cloudUrl: cfn.url,
      accessKey: { accessKeyId: ADMIN_KEY, secretAccessKey: "admin-secret" },
    },
  );
  const env = {
    XDG_CONFIG_HOME: xdg,
    HOME: xdg,
    AWS_ACCESS_KEY_ID: "",
    AWS_SECRET_ACCESS_KEY: "",
    AWS_ENDPOINT_URL: "",
  };
  const list = (extra: Record<string, string>) =>
    runCli(["stack", "list", "--server", server], { env: { ...env, ...extra } });
  const signedWith = () =>
    /Credential=([A-Z0-9]+)\//.exec(cfn.requests.at(-1)?.headers.authorization ?? "")?.[1];

  const asJob = await list({ AWS_EC2_METADATA_SERVICE_ENDPOINT: `${imds.url}/` });
  assert.equal(asJob.code, 0, asJob.stderr);
  assert.equal(asJob.stdout, "no live stacks\n");
  assert.equal(signedWith(), ROLE_KEY);
  assert.equal(cfn.requests.at(-1)?.headers["x-amz-security-token"], "role-session-token");

  role = undefined;
  const requestsBefore = cfn.requests.length;
  const noRole = await list({ AWS_EC2_METADATA_SERVICE_ENDPOINT: `${imds.url}/` });
  assert.equal(noRole.code, 1);
  assert.match(
    noRole.stderr,
    /^fawkes: no CloudFormation credentials from the metadata endpoint \$AWS_EC2_METADATA_SERVICE_ENDPOINT .*\[FAWKES_UNAUTHORIZED\]\n.*give the job a role/,
  );
  assert.equal(cfn.requests.length, requestsBefore, "nothing sent, with the saved key or without");

  const onTheHost = await list({ AWS_EC2_METADATA_DISABLED: "true" });
  assert.equal(onTheHost.code, 0, onTheHost.stderr);
  assert.equal(signedWith(), ADMIN_KEY);
});
