/**
 * The workshop's deploy stage as written for AWS (`examples/workshop/deploy-app-server.sh` and
 * `retire-old-app-servers.sh`), run unchanged against a real server: Debian's awscli 2.9 behind Fawkes's own `aws`
 * wrapper (the script every job gets first on its PATH, with AWS_ENDPOINT_URL), as a key with the CI slave's
 * rights (the infrastructure template's four policies). Builds 1 and 2 of the seed app-server template, unchanged,
 * deploy; retiring leaves build 2 only. DescribeStacks waits for the stack's operation, so the scripts' `sleep 15`
 * is never reached: each script finishes well under 15 s.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { AWS_WRAPPER_SCRIPT } from "@fawkes/protocol/aws-wrapper";
import { repoRoot, startServerProcess, tempDir } from "@fawkes/testing";
import { seedPath, skip } from "../instances/support.ts";
import { awsCli, newAccessKey } from "./support.ts";

const SCRIPTS = path.join(repoRoot, "examples", "workshop");

/** The CI slave's rights in the infrastructure template: s3, cloudformation, ec2 and iam, each on everything. */
const CI_SLAVE = ["s3:*", "cloudformation:*", "ec2:*", "iam:*"].map((action) => ({
  Effect: "Allow",
  Action: action,
  Resource: "*",
}));

test(
  "the workshop's deploy and retire scripts run unchanged through the aws wrapper with the CI slave's rights",
  { skip, timeout: 300_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const home = await tempDir(t, "fawkes-workshop-");
    const key = await newAccessKey(server, "ci-slave", CI_SLAVE);
    const admin = awsCli(server.cloudUrl, home, key);
    const ok = async (...args: string[]) => {
      const result = await admin(...args);
      assert.equal(result.code, 0, `aws ${args.join(" ")}: ${result.stderr}`);
      return JSON.parse(result.stdout || "{}") as Record<string, unknown>;
    };
    // The infrastructure stack the scripts look their subnet and security group up in.
    const infra = ["--stack-name", "infrastructure"];
    await ok(
      "cloudformation",
      "create-stack",
      ...infra,
      "--template-body",
      `file://${seedPath("infrastructure-template.json")}`,
      "--capabilities",
      "CAPABILITY_IAM",
    );
    await ok("cloudformation", "wait", "stack-create-complete", ...infra);

    // Fawkes's wrapper first on PATH, the real awscli after it, as a job gets them.
    const bin = path.join(home, "bin");
    await mkdir(bin);
    await writeFile(path.join(bin, "aws"), AWS_WRAPPER_SCRIPT, { mode: 0o755 });
    const script = (name: string, ...args: string[]) =>
      new Promise<{ code: number; output: string; ms: number }>((resolve) => {
        const started = performance.now();
        execFile(
          "/bin/sh",
          [path.join(SCRIPTS, name), ...args],
          {
            cwd: home,
            timeout: 120_000,
            env: {
              PATH: `${bin}:/usr/bin:/bin`,
              HOME: home,
              AWS_ENDPOINT_URL: server.cloudUrl,
              AWS_ACCESS_KEY_ID: key.accessKeyId,
              AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
              AWS_DEFAULT_REGION: "us-east-1",
              AWS_EC2_METADATA_DISABLED: "true",
              AWS_CONFIG_FILE: path.join(home, "config"),
              AWS_SHARED_CREDENTIALS_FILE: path.join(home, "credentials"),
            },
          },
          (error, stdout, stderr) =>
            resolve({
              code: error === null ? 0 : typeof error.code === "number" ? error.code : -1,
              output: stdout + stderr,
              ms: performance.now() - started,
            }),
        );
      });
    const template = seedPath("app-server-template.json");
    for (const build of ["1", "2"]) {
      const deployed = await script("deploy-app-server.sh", build, template);
      assert.equal(deployed.code, 0, deployed.output);
      assert.match(deployed.output, new RegExp(`app-server-build-${build}: CREATE_COMPLETE`));
      // The first describe-stacks answered once the create ended: the script never slept.
      assert.doesNotMatch(deployed.output, /CREATE_IN_PROGRESS/);
      assert.ok(deployed.ms < 12_000, `deploy of build ${build} took ${Math.round(deployed.ms)} ms`);
    }
    const stacks = async () =>
      (
        (await ok("cloudformation", "list-stacks", "--stack-status-filter", "CREATE_COMPLETE"))
          .StackSummaries as {
          StackName: string;
        }[]
      )
        .map((s) => s.StackName)
        .sort();
    assert.deepEqual(await stacks(), ["app-server-build-1", "app-server-build-2", "infrastructure"]);
    // Each build's instance is in the infrastructure's subnet, tagged with its build.
    const instances = (
      await ok("ec2", "describe-instances", "--filters", "Name=instance-state-name,Values=running")
    ).Reservations as { Instances: { Tags?: { Key: string; Value: string }[] }[] }[];
    const names = instances.flatMap((r) =>
      r.Instances.map((i) => i.Tags?.find((tag) => tag.Key === "Name")?.Value),
    );
    assert.ok(
      names.includes("App Server - Build 1") && names.includes("App Server - Build 2"),
      String(names),
    );

    const retired = await script("retire-old-app-servers.sh", "2");
    assert.equal(retired.code, 0, retired.output);
    assert.match(retired.output, /deleting app-server-build-1/);
    assert.doesNotMatch(retired.output, /deleting app-server-build-2|DELETE_IN_PROGRESS/);
    assert.ok(retired.ms < 12_000, `retire took ${Math.round(retired.ms)} ms`);
    assert.deepEqual(await stacks(), ["app-server-build-2", "infrastructure"]);
    const gone = await admin("cloudformation", "describe-stacks", "--stack-name", "app-server-build-1");
    assert.notEqual(gone.code, 0);
    assert.match(gone.stderr, /Stack with id app-server-build-1 does not exist/);
  },
);
