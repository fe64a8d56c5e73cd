/**
 * `fawkes up`'s infrastructure for the bundled example, against a real server: made once from the example's
 * template with live progress, reused as it is on later starts, and a stack that failed is a clear error that
 * says what to do (not a half-working pipeline).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { decideForKey } from "@fawkes/cloud";
import { startServerProcess } from "@fawkes/testing";
import { FawkesClient } from "../src/client.ts";
import { CliError } from "../src/errors.ts";
import { applicationUrl, ensureExampleInfrastructure, INFRA_STACK } from "../src/example-infrastructure.ts";
import { bundledExampleDir } from "../src/example-repo.ts";
import { tempDir } from "./helpers.ts";

test("the example's infrastructure is made once, with its stable address, and reused later", async (t) => {
  const server = await startServerProcess(t);
  const client = new FawkesClient({ serverUrl: server.url, token: server.token });
  const lines: string[] = [];
  const made = await ensureExampleInfrastructure(client, bundledExampleDir, (line) => lines.push(line));
  assert.equal(made.status, "CREATE_COMPLETE");
  assert.ok(
    lines.some((line) => /CIRole\s+CREATE_COMPLETE/.test(line)),
    lines.join("\n"),
  );
  assert.match(lines.at(-1) ?? "", new RegExp(`${INFRA_STACK}\\s+CREATE_COMPLETE`));
  assert.match(applicationUrl(made) ?? "", /^http:\/\/127\.101\.\d+\.\d+:8080\/$/);
  // The CI role, as made, decided by the server's own evaluator: builds' stacks and the bucket, nothing more.
  const role = await client.role("dummy-application-ci");
  const ci = {
    accessKeyId: "",
    secretAccessKey: "",
    principalArn: role.arn,
    policies: role.inlinePolicies.map((policy) => policy.document),
  };
  const decide = (action: string, resource: string) => decideForKey(ci, { action, resource }).decision;
  const stack = (name: string) => `arn:aws:cloudformation:us-east-1:000000000000:stack/${name}/x`;
  assert.equal(decide("cloudformation:CreateStack", stack("app-server-build-7")), "Allow");
  assert.equal(decide("cloudformation:DeleteStack", stack("app-server-build-6")), "Allow");
  assert.equal(decide("cloudformation:DeleteStack", stack(INFRA_STACK)), "ImplicitDeny");
  assert.equal(decide("cloudformation:UpdateStack", stack(INFRA_STACK)), "ImplicitDeny");
  assert.equal(
    decide("s3:PutObject", "arn:aws:s3:::dummy-application-builds/application-1.0.0-7.tgz"),
    "Allow",
  );
  assert.equal(decide("s3:PutObject", "arn:aws:s3:::another-bucket/x"), "ImplicitDeny");
  assert.equal(decide("s3:DeleteBucket", "arn:aws:s3:::dummy-application-builds"), "ImplicitDeny");
  assert.equal(decide("iam:CreateRole", "arn:aws:iam::000000000000:role/x"), "ImplicitDeny");
  assert.equal(decide("iam:PassRole", "arn:aws:iam::000000000000:role/dummy-application-ci"), "ImplicitDeny");

  const again: string[] = [];
  const reused = await ensureExampleInfrastructure(client, bundledExampleDir, (line) => again.push(line));
  assert.equal(reused.stackId, made.stackId, "the same stack");
  assert.deepEqual(again, [], "nothing made twice");
  assert.equal(applicationUrl(reused), applicationUrl(made), "the address stays");
});

test("an infrastructure stack that failed stops the start with what to do next", async (t) => {
  const server = await startServerProcess(t);
  const client = new FawkesClient({ serverUrl: server.url, token: server.token });
  const repo = join(tempDir(t), "repo");
  mkdirSync(repo);
  // A bucket whose name is not a bucket name fails when it is made, so the stack rolls back.
  writeFileSync(
    join(repo, "infrastructure.yaml"),
    'Resources:\n  Builds:\n    Type: AWS::S3::Bucket\n    Properties: { BucketName: "Not_A_Bucket" }\n',
  );
  const lines: string[] = [];
  await assert.rejects(
    ensureExampleInfrastructure(client, repo, (line) => lines.push(line)),
    (error: unknown) => {
      assert.ok(error instanceof CliError);
      assert.match(error.message, new RegExp(`${INFRA_STACK} is ROLLBACK_COMPLETE`));
      assert.match(error.hint ?? "", /fawkes stack delete infrastructure --wait/);
      return true;
    },
  );
  assert.ok(
    lines.some((line) => /Builds\s+CREATE_FAILED/.test(line)),
    lines.join("\n"),
  );
  // A later start says the same, and does not make a second stack.
  await assert.rejects(
    ensureExampleInfrastructure(client, repo, () => {}),
    /ROLLBACK_COMPLETE/,
  );
});
