/**
 * `fawkes stack …` against a real server's cloud endpoint, run as a subprocess with keys made through the API:
 * create --wait (events, outputs), outputs/describe/events/list, update --use-previous-template --parameter --wait, a rolled-back create, an invalid template
 * (file:line:column, nothing created), a key denied cloudformation:CreateStack, retire (one stack kept, a
 * stack that cannot be deleted named) and delete --wait.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { DeleteObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir, type CliResult, serviceTrustPolicy } from "@fawkes/testing";

const TEMPLATE = {
  AWSTemplateFormatVersion: "2010-09-09",
  Description: "a bucket and the app server's role",
  Parameters: { Env: { Type: "String", Default: "ci" } },
  Resources: {
    Releases: { Type: "AWS::S3::Bucket" },
    AppRole: {
      Type: "AWS::IAM::Role",
      Properties: {
        AssumeRolePolicyDocument: serviceTrustPolicy(),
      },
    },
  },
  Outputs: {
    Bucket: { Value: { Ref: "Releases" }, Description: "where builds go" },
    Env: { Value: { Ref: "Env" } },
  },
};

const INVALID_YAML = `AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Releases:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: !Ref Missing
`;

interface Key {
  accessKeyId: string;
  secretAccessKey: string;
}

interface StackJson {
  name: string;
  status: string;
  parameters: Record<string, string>;
  outputs: { key: string; value: string }[];
  resources: { logicalId: string; type: string; status: string }[];
}

test(
  "fawkes stack creates, follows, describes, retires and deletes stacks with the caller's rights",
  { timeout: 300_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const dir = await tempDir(t, "fawkes-stack-cli-");
    const template = path.join(dir, "app.json");
    await writeFile(template, JSON.stringify(TEMPLATE, null, 2));
    const invalid = path.join(dir, "bad.yaml");
    await writeFile(invalid, INVALID_YAML);
    const newKey = async (name: string, statements: object[]): Promise<Key> =>
      server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
        name,
        policy: { Version: "2012-10-17", Statement: statements },
      });
    const admin = await newKey("deployer", [{ Effect: "Allow", Action: "*", Resource: "*" }]);
    const xdg = await tempDir(t, "fawkes-stack-xdg-");
    const baseEnv = {
      AWS_ENDPOINT_URL: server.cloudUrl,
      AWS_EC2_METADATA_DISABLED: "true",
      XDG_CONFIG_HOME: xdg,
      HOME: xdg,
    };
    const fawkes = (args: string[], key: Key | null = admin): Promise<CliResult> =>
      runCli(["stack", ...args], {
        timeoutMs: 120_000,
        env: {
          ...baseEnv,
          AWS_ACCESS_KEY_ID: key?.accessKeyId ?? "",
          AWS_SECRET_ACCESS_KEY: key?.secretAccessKey ?? "",
        },
      });
    const ok = async (args: string[], key?: Key): Promise<CliResult> => {
      const result = await fawkes(args, key);
      assert.equal(result.code, 0, `fawkes stack ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
      return result;
    };
    const create = (name: string, key?: Key) =>
      fawkes(
        [
          "create",
          name,
          "--template",
          template,
          "--capabilities",
          "CAPABILITY_IAM",
          "--parameter",
          "Env=test",
          "--wait",
        ],
        key,
      );
    const liveNames = async () =>
      (JSON.parse((await ok(["list", "--json"])).stdout) as { name: string }[]).map((s) => s.name).sort();

    // create --wait: the events as they come, the final status and the outputs.
    const created = await create("app-1");
    assert.equal(created.code, 0, created.stderr);
    assert.match(
      created.stdout,
      /Z +CREATE_IN_PROGRESS +app-1 +AWS::CloudFormation::Stack +User Initiated\n/,
    );
    assert.match(created.stdout, /CREATE_COMPLETE +Releases +AWS::S3::Bucket\n/);
    assert.match(created.stdout, /CREATE_COMPLETE +AppRole +AWS::IAM::Role\n/);
    assert.match(
      created.stdout,
      /\nstack app-1: CREATE_COMPLETE\nOutputs:\n +Bucket=[a-z0-9-]+\n +Env=test\n$/,
    );
    const firstEvent = created.stdout.indexOf("CREATE_IN_PROGRESS");
    assert.ok(firstEvent < created.stdout.lastIndexOf("CREATE_COMPLETE"), "oldest event first");

    const outputs = await ok(["outputs", "app-1"]);
    assert.match(outputs.stdout, /^Bucket=[a-z0-9-]+\nEnv=test\n$/);
    const outputsJson = JSON.parse((await ok(["outputs", "app-1", "--json"])).stdout) as Record<
      string,
      string
    >;
    assert.equal(outputsJson.Env, "test");
    const described = JSON.parse((await ok(["describe", "app-1", "--json"])).stdout) as StackJson;
    assert.equal(described.status, "CREATE_COMPLETE");
    assert.deepEqual(described.parameters, { Env: "test" });
    assert.deepEqual(described.resources.map((r) => [r.logicalId, r.status]).sort(), [
      ["AppRole", "CREATE_COMPLETE"],
      ["Releases", "CREATE_COMPLETE"],
    ]);
    const describedText = (await ok(["describe", "app-1"])).stdout;
    assert.match(describedText, /^Stack: +app-1\n/);
    assert.match(describedText, /\nResources:\nLOGICAL ID +TYPE +PHYSICAL ID +STATUS\n/);
    const events = JSON.parse((await ok(["events", "app-1", "--json"])).stdout) as { status: string }[];
    assert.equal(events[0]?.status, "CREATE_IN_PROGRESS");
    assert.equal(events.at(-1)?.status, "CREATE_COMPLETE");

    // update --use-previous-template with one new parameter value, followed to its end. The template makes an IAM
    // role, so (as on AWS) the update needs CAPABILITY_IAM again, and is refused without it, changing nothing.
    const update = (...extra: string[]) =>
      fawkes(["update", "app-1", "--use-previous-template", "--parameter", "Env=prod", ...extra, "--wait"]);
    const uncapable = await update();
    assert.equal(uncapable.code, 1);
    assert.match(
      uncapable.stderr,
      /InsufficientCapabilitiesException.*\n.*add --capabilities CAPABILITY_IAM/,
    );
    assert.equal(JSON.parse((await ok(["outputs", "app-1", "--json"])).stdout).Env, "test");
    const updated = await update("--capabilities", "CAPABILITY_IAM");
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(
      updated.stdout,
      /Z +UPDATE_IN_PROGRESS +app-1 +AWS::CloudFormation::Stack +User Initiated\n/,
    );
    assert.doesNotMatch(updated.stdout, /CREATE_IN_PROGRESS/, "only the update's events");
    assert.match(
      updated.stdout,
      /\nstack app-1: UPDATE_COMPLETE\nOutputs:\n +Bucket=[a-z0-9-]+\n +Env=prod\n$/,
    );
    const afterUpdate = JSON.parse((await ok(["describe", "app-1", "--json"])).stdout) as StackJson;
    assert.equal(afterUpdate.status, "UPDATE_COMPLETE");
    assert.deepEqual(afterUpdate.parameters, { Env: "prod" });
    assert.equal(
      outputsJson.Bucket,
      afterUpdate.outputs.find((o) => o.key === "Bucket")?.value,
      "same bucket",
    );
    const unchanged = await update("--capabilities", "CAPABILITY_IAM");
    assert.equal(unchanged.code, 0, unchanged.stderr);
    assert.equal(unchanged.stdout, "No updates are to be performed.\n");

    // A key allowed CloudFormation but not S3: the bucket is refused, the stack rolls back, exit 1.
    const cfnOnly = await newKey("cfn-only", [
      { Effect: "Allow", Action: ["cloudformation:*", "iam:*"], Resource: "*" },
    ]);
    const rolledBack = await create("weak", cfnOnly);
    assert.equal(rolledBack.code, 1);
    assert.match(rolledBack.stdout, /CREATE_FAILED +Releases .*not authorized to perform: s3:CreateBucket/);
    assert.match(rolledBack.stdout, /ROLLBACK_COMPLETE +weak /);
    assert.match(
      rolledBack.stderr,
      /^fawkes: stack weak ended in ROLLBACK_COMPLETE: Releases \(AWS::S3::Bucket\): .*s3:CreateBucket.*\n`fawkes stack events weak`/,
    );

    // An invalid template: the file's name with line and column, and nothing is created.
    const before = (await ok(["list", "--all", "--json"])).stdout;
    const refused = await fawkes(["create", "bad", "--template", invalid, "--wait"]);
    assert.equal(refused.code, 1);
    assert.match(
      refused.stderr,
      new RegExp(`^fawkes: cannot create stack bad: the template is invalid:\\n${invalid}:6:\\d+: .*Missing`),
    );
    assert.match(refused.stderr, /\[FAWKES_TEMPLATE_INVALID\]\nfix the template/);
    assert.doesNotMatch(refused.stderr, /TemplateBody/);
    assert.equal((await ok(["list", "--all", "--json"])).stdout, before, "nothing created");

    // A key whose policy denies cloudformation:CreateStack.
    const denied = await newKey("no-create", [
      { Effect: "Allow", Action: "*", Resource: "*" },
      { Effect: "Deny", Action: "cloudformation:CreateStack", Resource: "*" },
    ]);
    const refusedByIam = await create("app-9", denied);
    assert.equal(refusedByIam.code, 1);
    assert.match(
      refusedByIam.stderr,
      /^fawkes: cannot create stack app-9: AccessDenied: .*cloudformation:CreateStack.*\[FAWKES_FORBIDDEN\]\n/,
    );
    assert.deepEqual(await liveNames(), ["app-1", "weak"]);

    // No credentials at all: what to do next.
    const anonymous = await fawkes(["list"], null);
    assert.equal(anonymous.code, 1);
    assert.match(
      anonymous.stderr,
      /no CloudFormation credentials found \[FAWKES_UNAUTHORIZED\]\n.*fawkes credentials create/,
    );

    // retire: app-1 and app-2 go, app-3 stays; app-2's bucket holds an object, so its deletion fails and is named.
    await ok(["create", "app-2", "--template", template, "--capabilities", "CAPABILITY_IAM", "--wait"]);
    await ok(["create", "app-3", "--template", template, "--capabilities", "CAPABILITY_IAM", "--wait"]);
    const bucketOf = async (name: string) =>
      (JSON.parse((await ok(["outputs", name, "--json"])).stdout) as Record<string, string>).Bucket!;
    const s3 = new S3Client({
      endpoint: server.cloudUrl,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: admin,
    });
    t.after(() => s3.destroy());
    const app2Bucket = await bucketOf("app-2");
    await s3.send(new PutObjectCommand({ Bucket: app2Bucket, Key: "build.jar", Body: "jar" }));
    const noKeep = await fawkes(["retire", "--prefix", "app-", "--keep", "app-7", "--wait"]);
    assert.equal(noKeep.code, 1);
    assert.match(noKeep.stderr, /stack app-7 \(--keep\) does not exist: nothing retired/);
    const partly = await fawkes(["retire", "--prefix", "app-", "--keep", "app-3", "--wait"]);
    assert.equal(partly.code, 1, partly.stdout);
    assert.match(partly.stdout, /^retiring app-1, app-2 \(keeping app-3\)\n/);
    assert.match(partly.stdout, /\ndeleted: app-1\n/);
    assert.match(partly.stdout, /\napp-2 +.*DELETE_FAILED/);
    assert.match(partly.stderr, /not deleted: stack app-2 ended in DELETE_FAILED/);
    assert.match(partly.stderr, /fawkes: stacks not retired: app-2\n/);
    assert.deepEqual(await liveNames(), ["app-2", "app-3", "weak"]);
    await s3.send(new DeleteObjectCommand({ Bucket: app2Bucket, Key: "build.jar" }));
    const retired = await ok(["retire", "--prefix", "app-", "--keep", "app-3", "--wait", "--json"]);
    assert.deepEqual(JSON.parse(retired.stdout), {
      kept: "app-3",
      retired: [{ name: "app-2", status: "DELETE_COMPLETE" }],
    });
    assert.deepEqual(await liveNames(), ["app-3", "weak"]);

    // delete --wait follows the deletion; deleting what is gone succeeds.
    const deleted = await ok(["delete", "app-3", "--wait"]);
    assert.match(deleted.stdout, /DELETE_IN_PROGRESS +app-3 /);
    assert.match(deleted.stdout, /DELETE_COMPLETE +Releases /);
    assert.match(deleted.stdout, /\nstack app-3: DELETE_COMPLETE\n$/);
    const again = await ok(["delete", "app-3"]);
    assert.equal(again.stdout, "stack app-3 does not exist: nothing to delete\n");
    await ok(["delete", "weak", "--wait"]);
    assert.deepEqual(await liveNames(), []);
    const all = (await ok(["list", "--all"])).stdout;
    assert.match(all, /^NAME +STATUS +CREATED\n/);
    assert.match(all, /\napp-1 +DELETE_COMPLETE /);
  },
);
