/**
 * `fawkes roles …` and `fawkes policies …` against a real server: the trust statements `--trust-pipeline` and
 * `--trust-agents` write (docs/identity.md), inline and managed policies, errors that say what to do, and a
 * malformed policy file refused with the JSON path of each problem while nothing changes.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test, { type TestContext } from "node:test";
import {
  ApiRoutes,
  apiPath,
  type ManagedPolicyListDto,
  type PolicyVersionDto,
  type PolicyVersionListDto,
  type RoleDetailsDto,
  type RoleListDto,
} from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir } from "@fawkes/testing";

const PUBLISH = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: "arn:aws:s3:::releases/*" }],
};

/** A server, the CLI against it (`fawkes`, and `ok` asserting success) and files for documents. */
async function cli(t: TestContext) {
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
  return { server, fawkes, ok, file };
}

test("roles and policies from the CLI", { timeout: 120_000 }, async (t) => {
  const { fawkes, ok, file } = await cli(t);

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

test(
  "managed policy versions from the CLI: update, versions, set-default, delete-version",
  { timeout: 120_000 },
  async (t) => {
    const { server, fawkes, ok, file: named } = await cli(t);
    let n = 0;
    const file = (content: unknown) => named(`doc-${++n}.json`, content);
    const doc = (action: string) => ({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: action, Resource: "*" }],
    });
    await ok("policies", "create", "deploy", await file(doc("s3:GetObject")));
    assert.match(
      await ok("policies", "update", "deploy", "--document", await file(doc("s3:PutObject"))),
      /v2 is the default version now/,
    );
    assert.match(
      await ok(
        "policies",
        "update",
        "deploy",
        "--document",
        await file(doc("s3:DeleteObject")),
        "--no-default",
      ),
      /added v3; make it the default with `fawkes policies set-default deploy v3`/,
    );
    const listed = JSON.parse(await ok("policies", "versions", "deploy", "--json")) as PolicyVersionListDto;
    assert.deepEqual(
      listed.versions.map((v) => [v.versionId, v.isDefaultVersion, v.document]),
      [
        ["v1", false, doc("s3:GetObject")],
        ["v2", true, doc("s3:PutObject")],
        ["v3", false, doc("s3:DeleteObject")],
      ],
    );
    assert.match(await ok("policies", "versions", "deploy"), /v2\s+yes/);
    assert.match(await ok("policies", "set-default", "deploy", "v3"), /default version v3/);
    assert.match(await ok("policies", "show", "deploy"), /default: {6}v3[\s\S]*s3:DeleteObject/);

    // Refusals say why and change nothing.
    const defaultDelete = await fawkes("policies", "delete-version", "deploy", "v3");
    assert.notEqual(defaultDelete.code, 0);
    assert.match(defaultDelete.stderr, /default version/);
    const missing = await fawkes("policies", "set-default", "deploy", "v7");
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /v7 does not exist/);
    const malformed = await fawkes(
      "policies",
      "update",
      "deploy",
      "--document",
      await file({ Statement: [{}] }),
    );
    assert.notEqual(malformed.code, 0);
    assert.match(malformed.stderr, /Statement\[0\]/);
    await ok("policies", "update", "deploy", "--document", await file(doc("s3:A")), "--no-default");
    await ok("policies", "update", "deploy", "--document", await file(doc("s3:B")), "--no-default");
    const sixth = await fawkes("policies", "update", "deploy", "--document", await file(doc("s3:C")));
    assert.notEqual(sixth.code, 0);
    assert.match(sixth.stderr, /up to 5 versions/);
    const conflict = await fawkes("policies", "delete", "deploy");
    assert.notEqual(conflict.code, 0);
    assert.match(conflict.stderr, /more than one version/);
    const after = JSON.parse(await ok("policies", "versions", "deploy", "--json")) as PolicyVersionListDto;
    assert.deepEqual(
      after.versions.map((v) => [v.versionId, v.isDefaultVersion]),
      [
        ["v1", false],
        ["v2", false],
        ["v3", true],
        ["v4", false],
        ["v5", false],
      ],
    );
    for (const id of ["v1", "v2", "v4", "v5"]) await ok("policies", "delete-version", "deploy", id);
    assert.equal(
      (
        await server.api.get<PolicyVersionDto>(
          apiPath(ApiRoutes.policyVersion, { policy: "deploy", version: "v3" }),
        )
      ).isDefaultVersion,
      true,
    );
    await ok("policies", "delete", "deploy");
  },
);
