/**
 * Resource signals on a real server: `aws cloudformation signal-resource` (awscli 2.9, signed) completes a
 * resource whose CreationPolicy waits for it, a key without `cloudformation:SignalResource` is refused and
 * changes nothing, and a wait condition completes through a PUT of its handle's URL on the cloud endpoint.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { startServerProcess, tempDir, waitFor } from "@fawkes/testing";
import { awsCli, type Key } from "./support.ts";

const TEMPLATE = {
  Resources: {
    Ready: {
      Type: "AWS::CloudFormation::WaitCondition",
      CreationPolicy: { ResourceSignal: { Count: 1, Timeout: "PT5M" } },
    },
    Handle: { Type: "AWS::CloudFormation::WaitConditionHandle" },
    Built: {
      Type: "AWS::CloudFormation::WaitCondition",
      Properties: { Handle: { Ref: "Handle" }, Timeout: "300" },
    },
  },
  Outputs: {
    HandleUrl: { Value: { Ref: "Handle" } },
    Built: { Value: { "Fn::GetAtt": ["Built", "Data"] } },
  },
};

interface CfnOutput {
  Stacks: { StackStatus: string; Outputs?: { OutputKey: string; OutputValue: string }[] }[];
  StackResources: { LogicalResourceId: string; PhysicalResourceId: string; ResourceStatus: string }[];
  StackEvents: { LogicalResourceId: string; ResourceStatus: string; ResourceStatusReason?: string }[];
}

test(
  "aws cloudformation signal-resource and a wait condition handle's URL complete a stack",
  { timeout: 300_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const home = await tempDir(t, "fawkes-aws-home-");
    const newKey = async (name: string, action: string | string[]): Promise<Key> =>
      server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
        name,
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: action, Resource: "*" }] },
      });
    const admin = awsCli(server.cloudUrl, home, await newKey("deployer", "*"));
    const reader = awsCli(server.cloudUrl, home, await newKey("reader", "cloudformation:Describe*"));
    const ok = async (...args: string[]): Promise<CfnOutput> => {
      const result = await admin(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return (result.stdout.trim() ? JSON.parse(result.stdout) : {}) as CfnOutput;
    };
    await ok(
      "cloudformation",
      "create-stack",
      "--stack-name",
      "app",
      "--template-body",
      JSON.stringify(TEMPLATE),
    );
    const resources = () => ok("cloudformation", "describe-stack-resources", "--stack-name", "app");
    const handleUrl = await waitFor(
      async () => {
        const found = (await resources()).StackResources;
        const waiting =
          found.find((r) => r.LogicalResourceId === "Ready")?.ResourceStatus === "CREATE_IN_PROGRESS";
        return waiting ? found.find((r) => r.LogicalResourceId === "Handle")?.PhysicalResourceId : undefined;
      },
      { timeoutMs: 60_000, message: "the stack waits for its signals" },
    );
    assert.ok(handleUrl.startsWith(`${server.cloudUrl}/_fawkes/wait-condition/`), handleUrl);

    const signal = (aws: typeof admin, status: string) =>
      aws(
        "cloudformation",
        "signal-resource",
        "--stack-name",
        "app",
        "--logical-resource-id",
        "Ready",
        "--unique-id",
        "deploy-1",
        "--status",
        status,
      );
    const refused = await signal(reader, "SUCCESS");
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /AccessDenied.*not authorized to perform: cloudformation:SignalResource/s);
    const invalid = await signal(admin, "MAYBE");
    assert.notEqual(invalid.code, 0);
    const unknown = await admin(
      "cloudformation",
      "signal-resource",
      "--stack-name",
      "app",
      "--logical-resource-id",
      "Nope",
      "--unique-id",
      "x",
      "--status",
      "SUCCESS",
    );
    assert.match(unknown.stderr, /ValidationError.*Resource Nope does not exist for stack app/s);
    const before = (await ok("cloudformation", "describe-stack-events", "--stack-name", "app")).StackEvents;
    assert.ok(!before.some((e) => e.ResourceStatusReason?.startsWith("Received")), "nothing was recorded");

    const sent = await signal(admin, "SUCCESS");
    assert.equal(sent.code, 0, sent.stderr);
    const put = await fetch(handleUrl, {
      method: "PUT",
      body: JSON.stringify({ Status: "SUCCESS", Reason: "built", UniqueId: "build-7", Data: "artifact 7" }),
    });
    assert.equal(put.status, 200, await put.text());

    await ok("cloudformation", "wait", "stack-create-complete", "--stack-name", "app");
    const [stack] = (await ok("cloudformation", "describe-stacks", "--stack-name", "app")).Stacks;
    assert.equal(stack?.StackStatus, "CREATE_COMPLETE");
    const built = stack?.Outputs?.find((o) => o.OutputKey === "Built")?.OutputValue;
    assert.deepEqual(JSON.parse(built ?? "null"), { "build-7": "artifact 7" });
    const events = (await ok("cloudformation", "describe-stack-events", "--stack-name", "app")).StackEvents;
    assert.ok(
      events.some(
        (e) =>
          e.LogicalResourceId === "Ready" &&
          e.ResourceStatus === "CREATE_IN_PROGRESS" &&
          e.ResourceStatusReason === "Received SUCCESS signal with UniqueId deploy-1",
      ),
    );
    await ok("cloudformation", "delete-stack", "--stack-name", "app");
    await ok("cloudformation", "wait", "stack-delete-complete", "--stack-name", "app");
  },
);
