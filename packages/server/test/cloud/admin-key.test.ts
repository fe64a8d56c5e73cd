/**
 * The administrator access key: made on a data directory's first start, printed once by `fawkes server` and saved
 * for the CLI, accepted by the cloud endpoint (AWS SDK, SigV4), never stored in clear, and not made again on
 * restart.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { startServerProcess, storeContents, tempDir, waitFor } from "@fawkes/testing";
import { s3, s3ErrorOf, savedCredentials, type Key } from "./support.ts";

const BANNER = "save it now: it is not shown again";

test(
  "first start creates the admin key once; it signs S3 requests and is sealed at rest",
  { timeout: 90_000 },
  async (t) => {
    const configHome = await tempDir(t, "fawkes-xdg-");
    const server = await startServerProcess(t, { env: { XDG_CONFIG_HOME: configHome } });
    await waitFor(() => server.process.output().includes("agents register with"), {
      timeoutMs: 20_000,
      message: "the server banner",
    });
    const output = server.process.output();
    assert.equal(output.split(BANNER).length - 1, 1, output);

    const saved = await savedCredentials(configHome, server.url);
    assert.ok(saved, "credentials.json has an entry for the server");
    const key: Key = {
      accessKeyId: String(saved.accessKeyId),
      secretAccessKey: String(saved.secretAccessKey),
    };
    assert.match(key.accessKeyId, /^AKIA[A-Z0-9]{16}$/);
    assert.ok(key.secretAccessKey.length >= 40);
    assert.ok(
      output.includes(key.accessKeyId) && output.includes(key.secretAccessKey),
      "the banner shows the key",
    );
    assert.equal(saved.cloudUrl, server.cloudUrl);
    assert.equal((await stat(path.join(configHome, "fawkes", "credentials.json"))).mode & 0o777, 0o600);

    const serverJson = JSON.parse(await readFile(path.join(server.dataDir, "server.json"), "utf8")) as {
      cloudUrl: string;
    };
    assert.match(serverJson.cloudUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(serverJson.cloudUrl, server.url);

    const client = s3(serverJson.cloudUrl, key);
    t.after(() => client.destroy());
    await client.send(new CreateBucketCommand({ Bucket: "releases" }));
    await client.send(new PutObjectCommand({ Bucket: "releases", Key: "app/1.txt", Body: "build 1" }));
    const got = await client.send(new GetObjectCommand({ Bucket: "releases", Key: "app/1.txt" }));
    assert.equal(await got.Body?.transformToString(), "build 1");

    const wrong = s3(serverJson.cloudUrl, {
      ...key,
      secretAccessKey: key.secretAccessKey.replace(/^./, (c) => (c === "A" ? "B" : "A")),
    });
    t.after(() => wrong.destroy());
    assert.equal(
      await s3ErrorOf(wrong.send(new GetObjectCommand({ Bucket: "releases", Key: "app/1.txt" }))),
      "SignatureDoesNotMatch",
    );

    // The store (SQLite with its write-ahead log, or PostgreSQL) holds the key id but never the secret in clear.
    const bytes = await storeContents(server);
    assert.ok(bytes.includes(key.accessKeyId), "the key's row is in the store");
    assert.ok(!bytes.includes(key.secretAccessKey), "the secret is not stored in clear");
    assert.equal((await stat(path.join(server.dataDir, "keys", "data-key"))).mode & 0o777, 0o600);

    await server.restart();
    await waitFor(() => server.process.output().includes("agents register with"), {
      timeoutMs: 20_000,
      message: "the restarted server's banner",
    });
    assert.ok(!server.process.output().includes(BANNER), "a restart does not show a key again");
    assert.ok(!server.process.output().includes(key.secretAccessKey));
    const again = await savedCredentials(configHome, server.url);
    assert.equal(again?.accessKeyId, key.accessKeyId, "the restart keeps the saved key");
    assert.equal(again?.secretAccessKey, key.secretAccessKey);

    const afterRestart = s3(server.cloudUrl, key);
    t.after(() => afterRestart.destroy());
    const still = await afterRestart.send(new GetObjectCommand({ Bucket: "releases", Key: "app/1.txt" }));
    assert.equal(await still.Body?.transformToString(), "build 1");
    assert.ok(!(await storeContents(server)).includes(key.secretAccessKey));
  },
);
