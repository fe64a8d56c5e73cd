/**
 * `fawkes credentials create|list|delete` and the REST routes behind them: a key made with a read-only policy may
 * read but not write, a deleted key is refused at once, and a malformed policy is a 400 naming the JSON path.
 */
import assert from "node:assert/strict";
import { writeFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { ApiRoutes, type AccessKeyListDto, type CreatedAccessKeyDto } from "@fawkes/protocol";
import { runCli, startServerProcess, tempDir } from "@fawkes/testing";
import { s3, s3ErrorOf, savedCredentials, type Key } from "./support.ts";

const readOnly = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["s3:Get*", "s3:List*"], Resource: "*" }],
};

test(
  "credentials: a read-only key reads but cannot write; delete revokes it; bad policies are 400",
  { timeout: 90_000 },
  async (t) => {
    const configHome = await tempDir(t, "fawkes-xdg-");
    const files = await tempDir(t, "fawkes-policies-");
    const server = await startServerProcess(t, { env: { XDG_CONFIG_HOME: configHome } });
    const fawkes = (args: string[]) => runCli(args, { server: server.url, token: server.token });

    const saved = await savedCredentials(configHome, server.url);
    const admin = s3(server.cloudUrl, {
      accessKeyId: String(saved?.accessKeyId),
      secretAccessKey: String(saved?.secretAccessKey),
    });
    t.after(() => admin.destroy());
    await admin.send(new CreateBucketCommand({ Bucket: "builds" }));
    await admin.send(new PutObjectCommand({ Bucket: "builds", Key: "app-1.tgz", Body: "v1" }));

    const policyFile = path.join(files, "read-only.json");
    await writeFile(policyFile, JSON.stringify(readOnly));
    const created = await fawkes([
      "credentials",
      "create",
      "--name",
      "reader",
      "--policy",
      policyFile,
      "--json",
    ]);
    assert.equal(created.code, 0, created.stderr);
    const reader = JSON.parse(created.stdout) as CreatedAccessKeyDto;
    assert.equal(reader.principal, "arn:aws:iam::000000000000:user/reader");
    assert.match(reader.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    const readerKey: Key = { accessKeyId: reader.accessKeyId, secretAccessKey: reader.secretAccessKey };

    const client = s3(server.cloudUrl, readerKey);
    t.after(() => client.destroy());
    const got = await client.send(new GetObjectCommand({ Bucket: "builds", Key: "app-1.tgz" }));
    assert.equal(await got.Body?.transformToString(), "v1");
    assert.equal(
      await s3ErrorOf(client.send(new PutObjectCommand({ Bucket: "builds", Key: "app-2.tgz", Body: "v2" }))),
      "AccessDenied",
    );

    const listed = await fawkes(["credentials", "list", "--json"]);
    assert.equal(listed.code, 0, listed.stderr);
    const list = JSON.parse(listed.stdout) as AccessKeyListDto;
    assert.deepEqual(
      list.accessKeys.map((key) => key.name),
      ["admin", "reader"],
    );
    assert.ok(!listed.stdout.includes(reader.secretAccessKey), "secrets are never listed");
    assert.ok(!listed.stdout.includes("secret"), listed.stdout);
    const table = await fawkes(["credentials", "list"]);
    assert.match(
      table.stdout,
      new RegExp(`${reader.accessKeyId}\\s+reader\\s+arn:aws:iam::000000000000:user/reader`),
    );

    const deleted = await fawkes(["credentials", "delete", reader.accessKeyId]);
    assert.equal(deleted.code, 0, deleted.stderr);
    assert.equal(
      await s3ErrorOf(client.send(new GetObjectCommand({ Bucket: "builds", Key: "app-1.tgz" }))),
      "InvalidAccessKeyId",
    );
    const again = await fawkes(["credentials", "delete", reader.accessKeyId]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /no access key/);

    // Effect "Permit" is not an IAM effect: the answer names the JSON path, and nothing is created.
    const bad = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Permit", Action: "s3:GetObject", Resource: "*" }],
    };
    const response = await server.api.request("POST", ApiRoutes.credentials, {
      body: { name: "bad", policy: bad },
    });
    assert.equal(response.status, 400);
    const problem = (await response.json()) as { code: string; errors: { path: string; message: string }[] };
    assert.equal(problem.code, "FAWKES_VALIDATION_FAILED");
    assert.deepEqual(
      problem.errors.map((issue) => issue.path),
      ["policy.Statement[0].Effect"],
    );
    const badFile = path.join(files, "bad.json");
    await writeFile(badFile, JSON.stringify(bad));
    const refused = await fawkes(["credentials", "create", "--name", "bad", "--policy", badFile]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /policy\.Statement\[0\]\.Effect/);
    await writeFile(badFile, "{not json");
    const notJson = await fawkes(["credentials", "create", "--name", "bad", "--policy", badFile]);
    assert.equal(notJson.code, 1);
    assert.match(notJson.stderr, /is not JSON/);
    const names = (
      JSON.parse((await fawkes(["credentials", "list", "--json"])).stdout) as AccessKeyListDto
    ).accessKeys.map((key) => key.name);
    assert.deepEqual(names, ["admin"]);
  },
);
