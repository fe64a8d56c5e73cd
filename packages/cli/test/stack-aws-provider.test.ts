/**
 * `fawkes stack --provider aws` and `fawkes instances --provider aws` at the AWS SDK's transport: real AWS cannot
 * be reached here, so a requestHandler records the serialised, signed requests (host, region, SigV4 header,
 * action and parameters) and answers as AWS does. Also: `--wait` shows events while DescribeStacks is still
 * open (live), UpdateStack's "No updates are to be performed." is a success, and the region is required.
 */
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import test from "node:test";
import { waitFor } from "@fawkes/testing";
import { instancesCommand } from "../src/commands/instances/index.ts";
import { stackCommand } from "../src/commands/stack/index.ts";
import {
  captureHandler,
  cfnAnswer,
  cfnError,
  ec2Answer,
  eventXml,
  runWith,
  stackArn,
  stackXml,
  type CapturedRequest,
} from "./aws-capture.ts";
import { tempDir } from "./helpers.ts";

const KEY_ID = "AKIAIOSFODNN7EXAMPLE";
const ENV = {
  AWS_ACCESS_KEY_ID: KEY_ID,
  AWS_SECRET_ACCESS_KEY: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
  AWS_REGION: "us-east-1",
  // Would redirect the SDK if --provider aws honoured configured endpoints.
  AWS_ENDPOINT_URL: "http://127.0.0.1:9",
};

const TEMPLATE = `Resources:\n  Releases:\n    Type: AWS::S3::Bucket\n`;

function assertSentToAws(request: CapturedRequest, service: string, region = "us-east-1"): void {
  assert.equal(request.method, "POST");
  assert.equal(request.protocol, "https:");
  assert.equal(request.hostname, `${service}.${region}.amazonaws.com`);
  assert.equal(request.path, "/");
  assert.match(request.headers["content-type"] ?? "", /^application\/x-www-form-urlencoded/);
  assert.match(
    request.headers.authorization ?? "",
    new RegExp(
      `^AWS4-HMAC-SHA256 Credential=${KEY_ID}/\\d{8}/${region}/${service}/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$`,
    ),
  );
  assert.match(request.headers["x-amz-date"] ?? "", /^\d{8}T\d{6}Z$/);
}

const stackCompleteXml = (name: string, status: string) =>
  stackXml({ name, status, outputs: { Bucket: `${name}-releases` }, parameters: { Env: "prod", Url: "u" } });

test("stack create/update/delete/describe with --provider aws send CloudFormation's requests to AWS", async (t) => {
  const dir = tempDir(t);
  const template = join(dir, "app.yaml");
  writeFileSync(template, TEMPLATE);
  let updates = 0;
  const { requests, overrides } = captureHandler((request) => {
    const action = request.params.get("Action");
    const name = request.params.get("StackName")?.replace(/^arn:.*:stack\/([^/]+)\/.*$/, "$1") ?? "";
    switch (action) {
      case "CreateStack":
        return cfnAnswer(action, `<StackId>${stackArn(name)}</StackId>`);
      case "UpdateStack":
        return updates++ === 0
          ? cfnAnswer(action, `<StackId>${stackArn(name)}</StackId>`)
          : cfnError("ValidationError", "No updates are to be performed.");
      case "DeleteStack":
        return cfnAnswer(action, "");
      case "DescribeStacks":
        return cfnAnswer(
          action,
          stackCompleteXml(
            name,
            requests.some((r) => r.params.get("Action") === "DeleteStack")
              ? "DELETE_COMPLETE"
              : requests.some((r) => r.params.get("Action") === "UpdateStack")
                ? "UPDATE_COMPLETE"
                : "CREATE_COMPLETE",
          ),
        );
      case "DescribeStackEvents":
        return cfnAnswer(
          action,
          `<StackEvents>${eventXml({ id: "e1", stack: name, logicalId: name, type: "AWS::CloudFormation::Stack", status: "CREATE_COMPLETE" })}</StackEvents>`,
        );
      case "DescribeStackResources":
        return cfnAnswer(action, "<StackResources/>");
      default:
        return cfnError("InvalidAction", `no ${action}`);
    }
  });
  const stack = (argv: string[], env: Record<string, string> = ENV) =>
    runWith(stackCommand(overrides), ["stack", ...argv, "--provider", "aws"], env);

  const created = await stack([
    "create",
    "app-7",
    "--template",
    template,
    "--parameter",
    "Env=prod",
    "--parameter",
    "Url=http://x/?a=b",
    "--capabilities",
    "CAPABILITY_IAM",
    "CAPABILITY_NAMED_IAM",
    "--tag",
    "team=ci",
    "--disable-rollback",
  ]);
  assert.deepEqual(created, { code: 0, stdout: `${stackArn("app-7")}\n`, stderr: "" });
  const [create] = requests;
  assertSentToAws(create!, "cloudformation");
  assert.deepEqual(Object.fromEntries(create!.params), {
    Action: "CreateStack",
    Version: "2010-05-15",
    StackName: "app-7",
    TemplateBody: TEMPLATE,
    "Parameters.member.1.ParameterKey": "Env",
    "Parameters.member.1.ParameterValue": "prod",
    "Parameters.member.2.ParameterKey": "Url",
    "Parameters.member.2.ParameterValue": "http://x/?a=b",
    "Capabilities.member.1": "CAPABILITY_IAM",
    "Capabilities.member.2": "CAPABILITY_NAMED_IAM",
    "Tags.member.1.Key": "team",
    "Tags.member.1.Value": "ci",
    DisableRollback: "true",
  });

  requests.length = 0;
  const described = await stack(["describe", "app-7", "--json"]);
  assert.equal(described.code, 0, described.stderr);
  assert.equal((JSON.parse(described.stdout) as { status: string }).status, "CREATE_COMPLETE");
  assertSentToAws(requests[0]!, "cloudformation");
  assert.deepEqual(Object.fromEntries(requests[0]!.params), {
    Action: "DescribeStacks",
    Version: "2010-05-15",
    StackName: "app-7",
  });

  requests.length = 0;
  const updated = await stack([
    "update",
    "app-7",
    "--use-previous-template",
    "--parameter",
    "Env=staging",
    "--wait",
  ]);
  assert.equal(updated.code, 0, updated.stderr);
  assert.match(updated.stdout, /^stack app-7: UPDATE_COMPLETE\nOutputs:\n {2}Bucket=app-7-releases\n$/);
  const update = requests.find((r) => r.params.get("Action") === "UpdateStack")!;
  assertSentToAws(update, "cloudformation");
  assert.deepEqual(Object.fromEntries(update.params), {
    Action: "UpdateStack",
    Version: "2010-05-15",
    StackName: "app-7",
    UsePreviousTemplate: "true",
    "Parameters.member.1.ParameterKey": "Env",
    "Parameters.member.1.ParameterValue": "staging",
    "Parameters.member.2.ParameterKey": "Url",
    "Parameters.member.2.UsePreviousValue": "true",
  });
  const unchanged = await stack(["update", "app-7", "--template", template, "--wait"]);
  assert.deepEqual(unchanged, { code: 0, stdout: "No updates are to be performed.\n", stderr: "" });
  assert.equal(requests.at(-1)?.params.get("TemplateBody"), TEMPLATE);

  requests.length = 0;
  const deleted = await stack(["delete", "app-7", "--wait", "--region", "eu-west-1"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  assert.match(deleted.stdout, /^stack app-7: DELETE_COMPLETE\n$/);
  const del = requests.find((r) => r.params.get("Action") === "DeleteStack")!;
  assertSentToAws(del, "cloudformation", "eu-west-1");
  assert.deepEqual(Object.fromEntries(del.params), {
    Action: "DeleteStack",
    Version: "2010-05-15",
    StackName: stackArn("app-7"),
  });

  // No region anywhere: the SDK cannot pick AWS's endpoint; nothing is sent.
  requests.length = 0;
  const { AWS_REGION: _, ...noRegion } = ENV;
  const lost = await stack(["describe", "app-7"], noRegion);
  assert.equal(lost.code, 1);
  assert.match(lost.stderr, /\npass --region REGION or set AWS_REGION\n$/);
  assert.equal(requests.length, 0);
  const mixed = await stack(["list", "--endpoint-url", "http://127.0.0.1:8154"]);
  assert.match(mixed.stderr, /--endpoint-url and --provider aws do not go together/);
});

test("stack create --wait prints events while DescribeStacks is still waiting, then fails on a rollback", async (t) => {
  const dir = tempDir(t);
  const template = join(dir, "app.yaml");
  writeFileSync(template, TEMPLATE);
  const events: string[] = [];
  const event = (id: string, logicalId: string, type: string, status: string, reason?: string) =>
    events.unshift(eventXml({ id, stack: "app-8", logicalId, type, status, ...(reason && { reason }) }));
  let finish: (status: string) => void = () => undefined;
  const describeAnswered = new Promise<string>((resolve) => (finish = resolve));
  const { requests, overrides } = captureHandler(async (request) => {
    switch (request.params.get("Action")) {
      case "CreateStack":
        event("e1", "app-8", "AWS::CloudFormation::Stack", "CREATE_IN_PROGRESS", "User Initiated");
        event("e2", "Releases", "AWS::S3::Bucket", "CREATE_IN_PROGRESS");
        return cfnAnswer("CreateStack", `<StackId>${stackArn("app-8")}</StackId>`);
      case "DescribeStacks":
        // Long-polls as the Fawkes endpoint does, until the test ends the operation.
        return cfnAnswer(
          "DescribeStacks",
          stackXml({ name: "app-8", status: await describeAnswered, reason: "rolled back" }),
        );
      case "DescribeStackEvents":
        return cfnAnswer("DescribeStackEvents", `<StackEvents>${events.join("")}</StackEvents>`);
      default:
        return cfnError("InvalidAction", "unexpected");
    }
  });
  const live = { stdout: "" };
  const run = runWith(
    stackCommand(overrides),
    ["stack", "create", "app-8", "--template", template, "--wait", "--endpoint-url", "http://127.0.0.1:8154"],
    ENV,
    live,
  );
  await waitFor(() => /CREATE_IN_PROGRESS +Releases +AWS::S3::Bucket\n/.test(live.stdout), {
    timeoutMs: 10_000,
    message: "the first events before the operation ends",
  });
  assert.ok(
    requests.some((r) => r.params.get("Action") === "DescribeStacks"),
    "DescribeStacks is in flight meanwhile",
  );
  // The local endpoint is signed for the cloud endpoint's host, with the service's own scope.
  assert.equal(requests[0]?.hostname, "127.0.0.1");
  assert.match(requests[0]?.headers.authorization ?? "", /\/us-east-1\/cloudformation\/aws4_request/);
  event("e3", "Releases", "AWS::S3::Bucket", "CREATE_FAILED", "Access Denied");
  event("e4", "app-8", "AWS::CloudFormation::Stack", "ROLLBACK_IN_PROGRESS");
  event("e5", "Releases", "AWS::S3::Bucket", "DELETE_COMPLETE");
  event("e6", "app-8", "AWS::CloudFormation::Stack", "ROLLBACK_COMPLETE");
  finish("ROLLBACK_COMPLETE");
  const result = await run;
  assert.equal(result.code, 1);
  const statuses = [...result.stdout.matchAll(/Z {2}([A-Z_]+) +(\S+)/g)].map((m) => `${m[1]} ${m[2]}`);
  assert.deepEqual(statuses, [
    "CREATE_IN_PROGRESS app-8",
    "CREATE_IN_PROGRESS Releases",
    "CREATE_FAILED Releases",
    "ROLLBACK_IN_PROGRESS app-8",
    "DELETE_COMPLETE Releases",
    "ROLLBACK_COMPLETE app-8",
  ]);
  assert.equal(
    result.stderr,
    "fawkes: stack app-8 ended in ROLLBACK_COMPLETE: Releases (AWS::S3::Bucket): Access Denied\n" +
      "`fawkes stack events app-8` lists every event\n",
  );
});

const INSTANCE = "i-0123456789abcdef0";

test("instances list/console/terminate send EC2's requests (--provider aws and the local endpoint)", async () => {
  const instanceXml = (id: string, state: string, code: number) =>
    `<item><instanceId>${id}</instanceId><imageId>ami-1</imageId><instanceState><code>${code}</code><name>${state}</name></instanceState><privateIpAddress>127.100.0.5</privateIpAddress><instanceType>t3.micro</instanceType><launchTime>2026-12-07T20:00:00.000Z</launchTime><tagSet><item><key>aws:cloudformation:stack-name</key><value>app-7</value></item></tagSet></item>`;
  const { requests, overrides } = captureHandler((request) => {
    switch (request.params.get("Action")) {
      case "DescribeInstances":
        return ec2Answer(
          "DescribeInstances",
          `<reservationSet><item><reservationId>r-1</reservationId><ownerId>123456789012</ownerId><instancesSet>${instanceXml(INSTANCE, "running", 16)}${instanceXml("i-0fedcba9876543210", "terminated", 48)}</instancesSet></item></reservationSet>`,
        );
      case "GetConsoleOutput":
        return ec2Answer(
          "GetConsoleOutput",
          `<instanceId>${INSTANCE}</instanceId><timestamp>2026-12-07T20:00:05.000Z</timestamp><output>${Buffer.from("cloud-init: runcmd\nserving on :8080\n").toString("base64")}</output>`,
        );
      case "TerminateInstances":
        return ec2Answer(
          "TerminateInstances",
          `<instancesSet><item><instanceId>${INSTANCE}</instanceId><currentState><code>32</code><name>shutting-down</name></currentState><previousState><code>16</code><name>running</name></previousState></item></instancesSet>`,
        );
      default:
        return {
          status: 400,
          xml: "<Response><Errors><Error><Code>InvalidAction</Code><Message>no</Message></Error></Errors></Response>",
        };
    }
  });
  const instances = (argv: string[]) =>
    runWith(instancesCommand(overrides), ["instances", ...argv, "--provider", "aws"], ENV);

  const listed = await instances(["list"]);
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^INSTANCE ID +STATE +ADDRESS +STACK +LAUNCHED\n/);
  assert.match(
    listed.stdout,
    new RegExp(`\\n${INSTANCE} +running +127\\.100\\.0\\.5 +app-7 +2026-12-07T20:00:00Z\\n$`),
  );
  assertSentToAws(requests[0]!, "ec2");
  assert.deepEqual(Object.fromEntries(requests[0]!.params), {
    Action: "DescribeInstances",
    Version: "2016-11-15",
  });
  const all = JSON.parse((await instances(["list", "--all", "--json"])).stdout) as { state: string }[];
  assert.deepEqual(
    all.map((i) => i.state),
    ["running", "terminated"],
  );

  requests.length = 0;
  const console = await instances(["console", INSTANCE]);
  assert.deepEqual(console, { code: 0, stdout: "cloud-init: runcmd\nserving on :8080\n", stderr: "" });
  assertSentToAws(requests[0]!, "ec2");
  assert.deepEqual(Object.fromEntries(requests[0]!.params), {
    Action: "GetConsoleOutput",
    Version: "2016-11-15",
    InstanceId: INSTANCE,
    Latest: "true",
  });

  requests.length = 0;
  const terminated = await instances(["terminate", INSTANCE, "--json"]);
  assert.deepEqual(JSON.parse(terminated.stdout), [
    { instanceId: INSTANCE, previousState: "running", currentState: "shutting-down" },
  ]);
  assert.deepEqual(Object.fromEntries(requests[0]!.params), {
    Action: "TerminateInstances",
    Version: "2016-11-15",
    "InstanceId.1": INSTANCE,
  });

  requests.length = 0;
  const malformed = await instances(["terminate", "web-1"]);
  assert.equal(malformed.code, 1);
  assert.match(malformed.stderr, /^fawkes: not an instance id: web-1 \[FAWKES_BAD_REQUEST\]\n/);
  assert.equal(requests.length, 0, "nothing sent");

  // Without --provider: the cloud endpoint named by $AWS_ENDPOINT_URL, signed for ec2 in us-east-1.
  const local = await runWith(instancesCommand(overrides), ["instances", "list"], {
    ...ENV,
    AWS_ENDPOINT_URL: "http://127.0.0.1:8154",
  });
  assert.equal(local.code, 0, local.stderr);
  assert.equal(requests[0]?.protocol, "http:");
  assert.equal(requests[0]?.hostname, "127.0.0.1");
  assert.equal(requests[0]?.port, 8154);
  assert.match(requests[0]?.headers.authorization ?? "", /\/us-east-1\/ec2\/aws4_request/);
});
