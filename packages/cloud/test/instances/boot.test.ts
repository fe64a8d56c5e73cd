/**
 * Real phoenix instances booting shell-script user data: users, /etc and /opt written inside only, an app on
 * 0.0.0.0:8080 reachable at the instance's address, two instances on the same port at once, and termination
 * leaving nothing behind.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { waitFor } from "@fawkes/testing";
import {
  launchInstance,
  pidNamespaceOf,
  processesInNamespace,
  processState,
} from "../../src/providers/local/instances/index.ts";
import {
  accepts,
  consoleMatching,
  getWhenUp,
  instanceId,
  metadataFor,
  NODE,
  nodeApp,
  startInstance,
  testAddress,
} from "./support.ts";

function seedLike(marker: string): string {
  return [
    "#!/bin/sh ",
    `useradd devops-user-${marker}`,
    `mkdir /home/devops-user-${marker}`,
    `chown devops-user-${marker}:devops-user-${marker} /home/devops-user-${marker}`,
    `echo ${marker} > /etc/x-${marker}`,
    `mkdir -p /opt/app-${marker} && echo ${marker} > /opt/app-${marker}/build.txt`,
    `su - devops-user-${marker} -c 'id -un; echo "endpoint=$AWS_EC2_METADATA_SERVICE_ENDPOINT"; which aws fawkes'`,
    `su - devops-user-${marker} -c 'fawkes --help' | grep -q -i usage && echo "fawkes runs"`,
    nodeApp(8080, marker),
    "",
  ].join("\n");
}

test("a shell script boots as root, changes only its own root, and serves 0.0.0.0:8080 at the instance's address", async (t) => {
  const marker = `m${process.pid}a`;
  const instance = await startInstance(t, seedLike(marker), { exposedPorts: [8080] });
  const result = await instance.ready;
  const console = await instance.text();
  assert.deepEqual(result, { ok: true, exitCode: 0, failures: [] }, console);
  assert.match(
    console,
    new RegExp(
      `devops-user-${marker}\\nendpoint=http://127\\.0\\.0\\.1:8155/\\n/usr/local/lib/fawkes/bin/aws\\n/usr/local/lib/fawkes/bin/fawkes`,
    ),
  );
  assert.match(console, /\nfawkes runs\n/);
  assert.match(console, /Cloud-init v\. \S+ finished at .* Result: success/);
  assert.equal(await getWhenUp(`http://${instance.address}:8080/`), `${marker} ${instance.spec.hostname}\n`);

  // The host saw none of it.
  assert.equal(existsSync(`/etc/x-${marker}`), false);
  assert.equal(existsSync(`/opt/app-${marker}`), false);
  assert.equal(existsSync(`/home/devops-user-${marker}`), false);
  assert.doesNotMatch(readFileSync("/etc/passwd", "utf8"), new RegExp(`devops-user-${marker}`));
  // …while the instance's upper layer holds it.
  assert.equal(readFileSync(`${instance.spec.instanceDir}/upper/etc/x-${marker}`, "utf8"), `${marker}\n`);
});

test("two instances bind 0.0.0.0:8080 at the same time and do not see each other's files", async (t) => {
  const a = `m${process.pid}b`;
  const b = `m${process.pid}c`;
  const first = await startInstance(t, seedLike(a), { exposedPorts: [8080] });
  const second = await startInstance(
    t,
    `${seedLike(b)}\ncat /etc/x-${a} /opt/app-${a}/build.txt 2>&1 || echo "no files of ${a}"\n`,
    { exposedPorts: [8080] },
  );
  assert.equal((await first.ready).ok, true, await first.text());
  assert.equal((await second.ready).ok, true, await second.text());
  assert.equal(await getWhenUp(`http://${first.address}:8080/`), `${a} ${first.spec.hostname}\n`);
  assert.equal(await getWhenUp(`http://${second.address}:8080/`), `${b} ${second.spec.hostname}\n`);
  assert.match(await second.text(), new RegExp(`no files of ${a}`));
  assert.doesNotMatch(await second.text(), new RegExp(`^${a}$`, "m"));
});

test("terminate kills every process, unmounts, closes the ports and deletes the instance directory", async (t) => {
  const instance = await startInstance(t, `#!/bin/sh\nsleep 1000 &\n(sleep 1000 &)\n${nodeApp(8080)}\n`, {
    exposedPorts: [8080],
  });
  await getWhenUp(`http://${instance.address}:8080/`);
  const namespace = pidNamespaceOf(instance.pid);
  assert.ok(processesInNamespace(namespace).length >= 4, "init, two sleeps and node run in the namespace");
  await instance.terminate();
  assert.deepEqual(processesInNamespace(namespace), []);
  assert.equal(existsSync(instance.spec.instanceDir), false);
  assert.equal(
    readFileSync("/proc/mounts", "utf8").includes(instance.spec.instanceDir),
    false,
    "no mount of the instance on the host",
  );
  assert.equal(await accepts(instance.address, 8080), false);
  assert.notEqual(await instance.exited, undefined);
  // Terminating again is harmless.
  await instance.terminate();
});

test("a port exposed after boot becomes reachable; an exposed port nobody listens on closes the connection", async (t) => {
  const instance = await startInstance(t, `#!/bin/sh\n${nodeApp(9001)}\n`, { exposedPorts: [9002] });
  assert.equal((await instance.ready).ok, true);
  assert.equal(await accepts(instance.address, 9001), false);
  await instance.exposePorts([9001]);
  assert.match(await getWhenUp(`http://${instance.address}:9001/`), /^hello from /);
  await assert.rejects(fetch(`http://${instance.address}:9002/`));
  await assert.rejects(instance.exposePorts([0]), /cannot be exposed/);
  await waitFor(() => instance.pid > 0);
});

/** Local addresses of the TCP sockets this process listens on (from /proc/net/tcp and tcp6). */
function listeningAddresses(): string[] {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // closed while we looked
    }
  }
  const addresses: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields[3] !== "0A" || !inodes.has(fields[9] ?? "")) continue;
      const hex = (fields[1] ?? "").split(":")[0] ?? "";
      addresses.push(
        hex.length === 8
          ? [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join(".")
          : `ipv6:${hex}`,
      );
    }
  }
  return addresses;
}

test("the server side listens only on instance addresses; adopted orphans are reaped; the console keeps its tail", async (t) => {
  const instance = await startInstance(
    t,
    `#!/bin/sh\nfor i in 1 2 3 4 5; do (true &); done\nhead -c 300000 /dev/zero | tr '\\0' x\necho\necho last line\n${nodeApp(8080)}\n`,
    { exposedPorts: [8080, 8081], consoleLimit: 64 * 1024 },
  );
  await getWhenUp(`http://${instance.address}:8080/`);
  const mine = listeningAddresses();
  assert.ok(mine.includes(instance.address), mine.join(", "));
  for (const address of mine) assert.match(address, /^127\./, `listening on ${address}`);

  const namespace = pidNamespaceOf(instance.pid);
  await waitFor(() => processesInNamespace(namespace).every((pid) => processState(pid) !== "Z"), {
    message: "no zombie in the instance",
  });

  const text = await consoleMatching(instance, /last line\n/);
  assert.ok(Buffer.byteLength(text) <= 64 * 1024, `console kept ${Buffer.byteLength(text)} bytes`);
  assert.doesNotMatch(text, /running 'init'/, "the head was dropped");
});

test("terminate sends SIGTERM first, then kills what ignores it once the grace period is over", async (t) => {
  const userData = [
    "#!/bin/bash",
    `(trap 'echo "app got TERM"; exit 0' TERM; while :; do sleep 0.05; done) &`,
    `(trap '' TERM; while :; do sleep 0.05; done) &`,
    "echo started",
    "",
  ].join("\n");
  const instance = await startInstance(t, userData);
  await consoleMatching(instance, /started\n/);
  const namespace = pidNamespaceOf(instance.pid);
  const started = Date.now();
  await instance.terminate({ graceMs: 500 });
  const took = Date.now() - started;
  assert.match(await instance.text(), /app got TERM\n/);
  assert.ok(took >= 500, `the stubborn process had its grace period (${took} ms)`);
  assert.deepEqual(processesInNamespace(namespace), []);
});

test("a sandbox that cannot be built fails the launch with the init's error and leaves nothing behind", async (t) => {
  const dataDir = await mkdtemp(path.join(tmpdir(), "fawkes-instances-"));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const id = instanceId();
  const address = testAddress();
  const instanceDir = path.join(dataDir, "instances", id);
  // Hiding /proc leaves the new root without a mount point for its procfs: stage 1 fails.
  await assert.rejects(
    launchInstance({
      id,
      address,
      hostname: "broken",
      userData: Buffer.from("#!/bin/sh\n"),
      instanceDir,
      exposedPorts: [8080],
      metadata: metadataFor(id, address),
      hide: ["/proc"],
    }),
    { code: "FAWKES_INSTANCE_START_FAILED", message: /did not start \(exited\): .*proc/s },
  );
  assert.equal(existsSync(instanceDir), false);
  assert.equal(await accepts(address, 8080), false);
});

test("Fawkes and its Node stay usable, read-only, under a hidden path; a data directory inside them stays hidden", async (t) => {
  const repo = fileURLToPath(new URL("../../../..", import.meta.url)).replace(/\/$/, "");
  const dataDir = await mkdtemp(path.join(repo, ".fawkes-instance-test-"));
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const id = instanceId();
  const instance = await startInstance(
    t,
    [
      "#!/bin/sh",
      "fawkes --help | grep -q -i usage && echo 'fawkes runs'",
      `${NODE} -e 'console.log("node runs")'`,
      `touch ${repo}/written-by-instance 2>&1 || true`,
      `ls -A ${dataDir} | wc -l | sed 's/^/data dir entries: /'`,
      "",
    ].join("\n"),
    { id, hide: [repo], instanceDir: path.join(dataDir, "instances", id) },
  );
  assert.equal((await instance.ready).ok, true, await instance.text());
  const text = await instance.text();
  assert.match(text, /\nfawkes runs\nnode runs\n/);
  assert.match(text, /Read-only file system/);
  assert.match(text, /data dir entries: 0\n/);
  assert.equal(existsSync(`${repo}/written-by-instance`), false);
});
