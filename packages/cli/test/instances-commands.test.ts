/**
 * `fawkes instances list|console|terminate` against a real server (as root: it runs phoenix instances): a stack
 * made by `fawkes stack create --wait` launches an instance, which is listed with its stack, shows its boot in
 * its console output, and is terminated (then listed only with --all).
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { ApiRoutes, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir, waitFor, type CliResult, phoenixSkip } from "@fawkes/testing";

const TEMPLATE = {
  AWSTemplateFormatVersion: "2010-09-09",
  Resources: {
    Web: {
      Type: "AWS::EC2::Instance",
      Properties: {
        ImageId: "ami-20bd1f57",
        InstanceType: "m1.small",
        Tags: [{ Key: "Name", Value: "web" }],
        UserData: { "Fn::Base64": "#!/bin/sh\necho hello from the web server\n" },
      },
    },
  },
};

interface Listed {
  instanceId: string;
  state: string;
  privateIpAddress?: string;
  stack?: string;
  tags: Record<string, string>;
}

test(
  "fawkes instances lists a stack's instance, shows its console and terminates it",
  { skip: phoenixSkip({ aws: false }), timeout: 240_000 },
  async (t) => {
    const server = await startServerProcess(t);
    const dir = await tempDir(t, "fawkes-instances-cli-");
    const template = path.join(dir, "web.json");
    await writeFile(template, JSON.stringify(TEMPLATE));
    const key = await server.api.post<CreatedAccessKeyDto>(ApiRoutes.credentials, {
      name: "operator",
      policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
    });
    const fawkes = async (...args: string[]): Promise<CliResult> => {
      const result = await runCli(args, {
        timeoutMs: 120_000,
        env: {
          AWS_ENDPOINT_URL: server.cloudUrl,
          AWS_EC2_METADATA_DISABLED: "true",
          AWS_ACCESS_KEY_ID: key.accessKeyId,
          AWS_SECRET_ACCESS_KEY: key.secretAccessKey,
          XDG_CONFIG_HOME: dir,
          HOME: dir,
        },
      });
      assert.equal(result.code, 0, `fawkes ${args.join(" ")}:\n${result.stdout}\n${result.stderr}`);
      return result;
    };

    await fawkes("stack", "create", "web", "--template", template, "--wait");
    const [instance, ...others] = JSON.parse(
      (await fawkes("instances", "list", "--json")).stdout,
    ) as Listed[];
    assert.deepEqual(others, []);
    assert.equal(instance?.state, "running");
    assert.equal(instance?.stack, "web");
    assert.equal(instance?.tags.Name, "web");
    assert.match(instance?.privateIpAddress ?? "", /^127\.100\.\d+\.\d+$/);
    const id = instance!.instanceId;

    const table = (await fawkes("instances", "list")).stdout;
    assert.match(
      table,
      new RegExp(`${id} +running +${instance!.privateIpAddress!.replaceAll(".", "\\.")} +web `),
    );
    await waitFor(
      async () => /hello from the web server/.test((await fawkes("instances", "console", id)).stdout),
      { timeoutMs: 20_000, message: "the boot's output in the console" },
    );

    assert.equal((await fawkes("instances", "terminate", id)).stdout, `${id}: running -> terminated\n`);
    assert.deepEqual(JSON.parse((await fawkes("instances", "list", "--json")).stdout), []);
    const all = JSON.parse((await fawkes("instances", "list", "--all", "--json")).stdout) as Listed[];
    assert.deepEqual(
      all.map((i) => [i.instanceId, i.state]),
      [[id, "terminated"]],
    );
    await fawkes("stack", "delete", "web", "--wait");
  },
);
