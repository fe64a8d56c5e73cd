/**
 * The bridges and the instance's lifetime: half-close and large transfers through an exposed port, and an
 * instance whose server dies (SIGKILL) leaves no process behind.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "@fawkes/testing";
import { splice } from "../../src/providers/local/instances/bridge.ts";
import { processesInNamespace, removeInstanceDirs } from "../../src/providers/local/instances/index.ts";
import { accepts, NODE, startInstance, testAddress } from "./support.ts";

/** An app that echoes every byte and answers `done:<bytes>` once the client half-closes. */
const ECHO_APP = `#!/bin/sh
${NODE} -e '
require("net").createServer({ allowHalfOpen: true }, (socket) => {
  let bytes = 0;
  socket.on("data", (chunk) => { bytes += chunk.length; if (!socket.write(chunk)) socket.pause(); });
  socket.on("drain", () => socket.resume());
  socket.on("end", () => socket.end("done:" + bytes));
}).listen(9000, "0.0.0.0")' &
`;

function exchange(host: string, port: number, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, allowHalfOpen: true });
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks)));
    socket.on("error", reject);
    socket.end(payload);
  });
}

test("a half-closed connection still gets its answer, and 32 MiB flow both ways intact", async (t) => {
  const instance = await startInstance(t, ECHO_APP, { exposedPorts: [9000] });
  await waitFor(() =>
    accepts(instance.address, 9000).then(
      async (ok) => ok && (await exchange(instance.address, 9000, Buffer.from("x"))).length > 1,
    ),
  );
  assert.equal((await exchange(instance.address, 9000, Buffer.from("ping"))).toString(), "pingdone:4");
  const payload = randomBytes(32 * 1024 * 1024);
  const answer = await exchange(instance.address, 9000, payload);
  assert.equal(answer.length, payload.length + `done:${payload.length}`.length);
  const digest = (data: Buffer) => createHash("sha256").update(data).digest("hex");
  assert.equal(digest(answer.subarray(0, payload.length)), digest(payload));
  assert.equal(answer.subarray(payload.length).toString(), `done:${payload.length}`);
});

test("a TCP client that resets its connection closes the Unix side (no uncaught error)", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "fawkes-splice-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const socketPath = path.join(dir, "app.sock");
  let unixClosed!: () => void;
  const closed = new Promise<void>((resolve) => (unixClosed = resolve));
  const unixServer = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.on("close", () => unixClosed());
  });
  await new Promise<void>((resolve) => unixServer.listen(socketPath, resolve));
  t.after(() => unixServer.close());
  const tcpServer = net.createServer((client) => {
    const unix = net.connect({ path: socketPath });
    // Connected both ways before the client resets: the TCP side's error then meets a live Unix socket.
    unix.once("connect", () => {
      splice(client, unix);
      tcpServer.emit("spliced");
    });
  });
  await new Promise<void>((resolve) => tcpServer.listen(0, "127.0.0.1", resolve));
  t.after(() => tcpServer.close());
  const { port } = tcpServer.address() as net.AddressInfo;
  const spliced = new Promise<void>((resolve) => tcpServer.once("spliced", resolve));
  const client = net.connect({ host: "127.0.0.1", port });
  await spliced;
  client.resetAndDestroy();
  await closed;
});

test("when the server is killed, every process of its instances dies with it", async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "fawkes-lifetime-"));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const host = spawn(
    process.execPath,
    [path.join(path.dirname(fileURLToPath(import.meta.url)), "lifetime-host.ts"), dataDir, testAddress()],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  t.after(() => host.kill("SIGKILL"));
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: host.stdout }).once("line", resolve);
    host.once("exit", (code) => reject(new Error(`lifetime host exited (${code})`)));
  });
  const { pid, namespace } = JSON.parse(line) as { pid: number; namespace: string };
  assert.ok(processesInNamespace(namespace).length >= 4, "init and three sleeps (one in its own session)");
  host.kill("SIGKILL");
  await waitFor(() => processesInNamespace(namespace).length === 0, {
    message: "the instance's processes to die",
    timeoutMs: 10_000,
  });
  assert.throws(() => process.kill(pid, 0));
  // What the next server start does: the directory it left goes (no mount holds it).
  assert.deepEqual(await removeInstanceDirs(path.join(dataDir, "instances")), ["i-0000000000000abcd"]);
  assert.deepEqual(await readdir(path.join(dataDir, "instances")), []);
});
