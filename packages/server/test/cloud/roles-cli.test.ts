/**
 * `fawkes roles …` and `fawkes policies …` against a real server: the trust statements `--trust-pipeline` and
 * `--trust-agents` write (docs/identity.md), inline and managed policies, errors that say what to do, and a
 * malformed policy file refused with the JSON path of each problem while nothing changes.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import type { ManagedPolicyListDto, RoleDetailsDto, RoleListDto } from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir } from "@fawkes/testing";

const PUBLISH = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::releases/*" }],
};

test("roles and policies from the CLI", { timeout: 120_000 }, async (t) => {
  const server = await startServerProcess(t);
  const files = await tempDir(t, "fawkes-roles-cli-");
  const fawkes = (...args: string[]) => runCli(args, { server: server.url, token: server.token });
  const ok = async (...args: string[]) => {
    const run = await fawkes(...args);
    assert.equal(run.code, 0, `fawkes ${args.join(" ")}: ${run.stderr}`);
    return run.stdout;
  };
  const file = async (name: string, content: unknown) => {
    const target = path.join(files, name);
    await writeFile(target, typeof content === "string" ? content : JSON.stringify(content));
    return target;
  };

  assert.match(await ok("roles", "list"), /no roles; create one with `fawkes roles create/);
  const missingTrust = await fawkes("roles", "create", "app-ci");
  assert.equal(missingTrust.code, 1);
  assert.match(missingTrust.stderr, /say who may assume the role/);
  assert.match(missingTrust.stderr, /--trust-pipeline/);

  await ok(
    "roles",
    "create",
    "app-ci",
    "--trust-pipeline",
    "app",
    "--trust-agents",
    "agent-1,agent-2",
    "--path",
    "/ci/",
  );
  const role = JSON.parse(await ok("roles", "show", "app-ci", "--json")) as RoleDetailsDto;
  assert.equal(role.arn, "arn:aws:iam::000000000000:role/ci/app-ci");
  assert.deepEqual(role.trustPolicy, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/fawkes" },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringLike: { "fawkes:sub": "pipeline:app:stage:*:job:*" } },
      },
      {
        Effect: "Allow",
        Principal: { Service: "ec2.amazonaws.com" },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "fawkes:agent": ["agent-1", "agent-2"] } },
      },
    ],
  });

  // A malformed policy file: the JSON path of each problem, and nothing stored.
  const bad = await fawkes(
    "roles",
    "put-policy",
    "app-ci",
    "publish",
    await file("bad.json", { Version: "2012-10-17", Statement: [{ Effect: "Allow", Resource: "*" }] }),
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /document\.Statement\[0\]: must contain Action or NotAction/);
  assert.deepEqual(
    (JSON.parse(await ok("roles", "show", "app-ci", "--json")) as RoleDetailsDto).inlinePolicies,
    [],
  );
  const notJson = await fawkes("roles", "put-policy", "app-ci", "publish", await file("x.json", "{oops"));
  assert.equal(notJson.code, 1);
  assert.match(notJson.stderr, /is not JSON/);

  await ok("roles", "put-policy", "app-ci", "publish", await file("publish.json", PUBLISH));
  await ok(
    "policies",
    "create",
    "read-releases",
    await file("read.json", PUBLISH),
    "--description",
    "read builds",
  );
  const policies = JSON.parse(await ok("policies", "list", "--json")) as ManagedPolicyListDto;
  assert.deepEqual(
    policies.policies.map((p) => p.name),
    ["read-releases"],
  );
  assert.match(await ok("roles", "attach", "app-ci", "read-releases"), /attached read-releases/);
  const shown = await ok("roles", "show", "app-ci");
  assert.match(shown, /inline policies:\n {2}publish:/);
  assert.match(
    shown,
    /attached policies:\n {2}read-releases \(arn:aws:iam::000000000000:policy\/read-releases\)/,
  );
  assert.match(await ok("policies", "show", "read-releases"), /attached to: {2}1 role\(s\)/);

  const conflict = await fawkes("roles", "delete", "app-ci");
  assert.equal(conflict.code, 1);
  assert.match(conflict.stderr, /must delete policies first/);
  assert.match(conflict.stderr, /fawkes roles show ROLE/);
  const unknown = await fawkes("roles", "show", "nobody");
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /fawkes roles list/);

  await ok("roles", "delete-policy", "app-ci", "publish");
  await ok("roles", "detach", "app-ci", "read-releases");
  assert.deepEqual(JSON.parse(await ok("roles", "delete", "app-ci", "--json")), { deleted: "app-ci" });
  await ok("policies", "delete", "read-releases");
  assert.deepEqual(JSON.parse(await ok("roles", "list", "--json")) as RoleListDto, { roles: [] });
});
