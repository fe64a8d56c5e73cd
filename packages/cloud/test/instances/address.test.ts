import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import net from "node:net";
import path from "node:path";
import { test } from "node:test";
import type { FawkesError } from "@fawkes/protocol";
import {
  allocateAddress,
  HOSTS_PER_NETWORK,
  isInstanceAddress,
  launchInstance,
  listeningAddresses,
  removeInstanceDirs,
  type InstanceSpec,
} from "../../src/providers/local/instances/index.ts";

test("addresses come from 127.100.0.0/16 in order, skipping .0 and .255", () => {
  assert.equal(allocateAddress(new Set()), "127.100.0.1");
  assert.equal(allocateAddress(new Set(["127.100.0.1", "127.100.0.3"])), "127.100.0.2");
  const full = new Set(Array.from({ length: 254 }, (_, i) => `127.100.0.${i + 1}`));
  assert.equal(allocateAddress(full), "127.100.1.1");
  // From a starting host number, wrapping around past the last address.
  assert.equal(allocateAddress(new Set(), 254), "127.100.1.1");
  assert.equal(allocateAddress(new Set(["127.100.255.254"]), HOSTS_PER_NETWORK - 1), "127.100.0.1");
  assert.equal(isInstanceAddress("127.100.7.254"), true);
  for (const bad of [
    "127.100.1.0",
    "127.100.1.255",
    "127.0.0.1",
    "169.254.169.254",
    "10.0.0.1",
    "127.100.256.1",
  ])
    assert.equal(isInstanceAddress(bad), false, bad);
});

test("listeningAddresses finds what this host listens on in a block, so allocation skips another server's", async (t) => {
  const ip = `127.100.${1 + Math.floor(Math.random() * 254)}.${1 + Math.floor(Math.random() * 254)}`;
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, ip, resolve));
  t.after(() => server.close());
  assert.ok(listeningAddresses("127.100.").has(ip), `${ip} is listening`);
  assert.equal(listeningAddresses("127.101.").has(ip), false);
  assert.notEqual(allocateAddress(listeningAddresses("127.100.")), ip);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.equal(listeningAddresses("127.100.").has(ip), false, "a closed listener is free again");
  // The kernel's table: host byte order, LISTEN (0A) only; a missing table gives none.
  const dir = await mkdtemp(path.join(tmpdir(), "fawkes-tcp-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const table = path.join(dir, "tcp");
  await writeFile(
    table,
    [
      "  sl  local_address rem_address   st tx_queue rx_queue",
      "   0: 0100647F:1F90 00000000:0000 0A 00000000:00000000",
      "   1: 0200647F:1F90 0100007F:9C40 01 00000000:00000000",
      "   2: 0100657F:0016 00000000:0000 0A 00000000:00000000",
      "",
    ].join("\n"),
  );
  assert.deepEqual([...listeningAddresses("127.100.", table)], ["127.100.0.1"]);
  assert.deepEqual([...listeningAddresses("127.101.", table)], ["127.101.0.1"]);
  assert.deepEqual([...listeningAddresses("127.100.", path.join(dir, "missing"))], []);
});

test("allocateAddress throws when every address is in use", () => {
  const all = new Set<string>();
  for (let third = 0; third <= 255; third++)
    for (let fourth = 1; fourth <= 254; fourth++) all.add(`127.100.${third}.${fourth}`);
  assert.throws(() => allocateAddress(all), {
    code: "FAWKES_INSTANCE_ADDRESSES_EXHAUSTED",
    message: /every instance address of 127\.100\.0\.0\/16 is in use/,
  });
});

test("removeInstanceDirs deletes what a killed server left and nothing else", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "fawkes-stale-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, "i-0123456789abcdef0", "upper", "etc"), { recursive: true });
  await writeFile(path.join(dir, "notes.txt"), "kept");
  assert.deepEqual(await removeInstanceDirs(dir), ["i-0123456789abcdef0"]);
  assert.deepEqual(await readdir(dir), ["notes.txt"]);
  assert.deepEqual(await removeInstanceDirs(path.join(dir, "missing")), []);
});

test("launchInstance refuses an address outside 127.100.0.0/16, a bad id or port, and creates nothing", async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), "fawkes-refused-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const spec: InstanceSpec = {
    id: "i-0123456789abcdef0",
    address: "127.100.0.9",
    hostname: "refused",
    userData: Buffer.from("#!/bin/sh\n"),
    instanceDir: path.join(dir, "instances", "i-0123456789abcdef0"),
    exposedPorts: [8080],
    metadata: () => {},
  };
  const cases: [Partial<InstanceSpec>, RegExp][] = [
    [{ address: "169.254.169.254" }, /not in 127\.100\.0\.0\/16/],
    [{ address: "10.0.0.1" }, /not in 127\.100\.0\.0\/16/],
    [{ id: "web-1" }, /instance id 'web-1'/],
    [{ exposedPorts: [70000] }, /port 70000 cannot be exposed/],
    [{ exposedPorts: [8155] }, /port 8155 cannot be exposed/],
    [{ hostname: "bad host" }, /host name 'bad host'/],
    [{ instanceDir: path.join(dir, "a,b") }, /must be absolute/],
    [{ hide: ["relative/path"] }, /hidden path 'relative\/path' must be absolute/],
    [
      { cloudEndpoint: { host: "127.0.0.1", port: 8154 }, apiEndpoint: { host: "127.0.0.1", port: 8154 } },
      /cannot share port 8154/,
    ],
  ];
  for (const [override, message] of cases)
    await assert.rejects(launchInstance({ ...spec, ...override }), (error: FawkesError) => {
      assert.equal(error.code, "FAWKES_INSTANCE_SPEC_INVALID");
      assert.match(error.message, message);
      return true;
    });
  assert.equal(existsSync(path.join(dir, "instances")), false);

  // A directory that exists (another instance's) is refused and left as it was.
  await mkdir(spec.instanceDir, { recursive: true });
  await writeFile(path.join(spec.instanceDir, "theirs"), "x");
  await assert.rejects(launchInstance(spec), {
    code: "FAWKES_INSTANCE_SPEC_INVALID",
    message: /already exists/,
  });
  assert.deepEqual(await readdir(spec.instanceDir), ["theirs"]);
});

test("listeningAddresses names the addresses of a prefix this host listens on; allocation skips them", async (t) => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.100.250.9", resolve));
  t.after(() => server.listening && server.close());
  const found = listeningAddresses("127.100.");
  assert.ok(found.has("127.100.250.9"), [...found].join(", "));
  assert.ok([...found].every((address) => address.startsWith("127.100.")));
  assert.equal(listeningAddresses("127.101.").has("127.100.250.9"), false);
  // A second server whose own instances hold every lower address skips the one this host listens on.
  const below = new Set<string>();
  for (let third = 0; third <= 250; third++)
    for (let fourth = 1; fourth <= (third === 250 ? 8 : 254); fourth++)
      below.add(`127.100.${third}.${fourth}`);
  assert.equal(allocateAddress(below), "127.100.250.9");
  assert.notEqual(allocateAddress(new Set([...below, ...listeningAddresses("127.100.")])), "127.100.250.9");
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.equal(listeningAddresses("127.100.").has("127.100.250.9"), false, "not once it stops listening");
});
