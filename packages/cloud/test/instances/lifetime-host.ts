/**
 * A stand-in server for the lifetime test: launches one instance under the data directory given as argv[2],
 * prints `{"pid":…,"namespace":…}` once its app answers, and waits to be killed.
 */
import { readlinkSync } from "node:fs";
import path from "node:path";
import { launchInstance } from "../../src/providers/local/instances/index.ts";

const dataDir = process.argv[2] ?? "";
const address = process.argv[3] ?? "";
const id = "i-0000000000000abcd";
const instance = await launchInstance({
  id,
  address,
  hostname: "orphan-test",
  userData: Buffer.from("#!/bin/sh\nsleep 1000 &\n(sleep 1000 &)\nsetsid sleep 1000 &\n"),
  instanceDir: path.join(dataDir, "instances", id),
  exposedPorts: [],
  metadata: (_request, response) => response.end(),
});
await instance.ready;
process.stdout.write(
  `${JSON.stringify({ pid: instance.pid, namespace: readlinkSync(`/proc/${instance.pid}/ns/pid`) })}\n`,
);
setInterval(() => {}, 60_000);
