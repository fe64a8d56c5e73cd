/**
 * The cloud endpoint alone in its own process, for bench/cloud/run.ts (so client and server don't share a
 * core's event loop). Prints one JSON line `{"url": …, "pid": …}` on stdout once listening; stops on SIGTERM.
 * Usage: node bench/cloud/server.ts --data-dir DIR
 */
import { parseArgs } from "node:util";
import { memoryCredentialStore, startCloudEndpoint } from "@fawkes/cloud";
import { BENCH_KEY } from "./key.ts";

const { values } = parseArgs({ options: { "data-dir": { type: "string" } } });
const dataDir = values["data-dir"];
if (dataDir === undefined) throw new Error("--data-dir is required");

const endpoint = await startCloudEndpoint(
  { dataDir, host: "127.0.0.1", port: 0, lifecycleIntervalMs: 0 },
  memoryCredentialStore([BENCH_KEY]),
);
process.stdout.write(`${JSON.stringify({ url: endpoint.url, pid: process.pid })}\n`);
process.once("SIGTERM", () => {
  void endpoint.close().then(() => process.exit(0));
});
