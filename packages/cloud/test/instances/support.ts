/** Starts real phoenix instances for tests: temp data directories, distinct addresses, cleanup registered. */
import { randomBytes, randomInt } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import type http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestContext } from "node:test";
import { createMetadataHandler, type MetadataSource } from "@fawkes/protocol/imds";
import type { RoleCredentials } from "@fawkes/protocol";
import { waitFor } from "@fawkes/testing";
import {
  INSTANCE_METADATA_PORT,
  launchInstance,
  type InstanceSpec,
  type RunningInstance,
} from "../../src/providers/local/instances/index.ts";

/** A block of addresses of its own per test process (test files run in parallel processes). */
const block = randomInt(1, 255);
let next = 1;

export function testAddress(): string {
  return `127.100.${block}.${next++}`;
}

export function instanceId(): string {
  return `i-${randomBytes(9).toString("hex").slice(0, 17)}`;
}

/** A Node handler serving IMDSv2 for `credentials`, as the cloud endpoint will per instance. */
export function metadataFor(
  id: string,
  address: string,
  credentials: () => Promise<RoleCredentials | null> = async () => null,
): (request: http.IncomingMessage, response: http.ServerResponse) => void {
  const source: MetadataSource = {
    instanceId: id,
    localIpv4: address,
    publicIpv4: address,
    availabilityZone: "us-east-1a",
    region: "us-east-1",
    accountId: "000000000000",
    instanceType: "m1.medium",
    imageId: "ami-20bd1f57",
    architecture: "x86_64",
    pendingTime: Date.now(),
    userData: null,
    credentials,
  };
  const handler = createMetadataHandler(source, { allowedHosts: [`127.0.0.1:${INSTANCE_METADATA_PORT}`] });
  return (request, response) => {
    request.resume();
    request.on("end", () => {
      handler
        .handle(
          { method: request.method ?? "GET", path: request.url ?? "/", headers: request.headers },
          Date.now(),
        )
        .then((answer) => {
          response.writeHead(answer.status, answer.headers);
          response.end(answer.body);
        })
        .catch(() => response.destroy());
    });
  };
}

export interface TestInstance extends RunningInstance {
  readonly spec: InstanceSpec;
  readonly dataDir: string;
  /** Console output so far, as text. */
  text(): Promise<string>;
}

/** Launches an instance whose data directory is a fresh temp directory; terminated after the test. */
export async function startInstance(
  t: TestContext,
  userData: string | Buffer,
  overrides: Partial<InstanceSpec> = {},
): Promise<TestInstance> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "fawkes-instances-"));
  const id = overrides.id ?? instanceId();
  const address = overrides.address ?? testAddress();
  const spec: InstanceSpec = {
    id,
    address,
    hostname: `ip-${address.replaceAll(".", "-")}`,
    userData: typeof userData === "string" ? Buffer.from(userData) : userData,
    instanceDir: path.join(dataDir, "instances", id),
    exposedPorts: [],
    metadata: metadataFor(id, address),
    ...overrides,
  };
  t.after(() => rm(dataDir, { recursive: true, force: true }));
  const instance = await launchInstance(spec);
  t.after(() => instance.terminate());
  return { ...instance, spec, dataDir, text: async () => (await instance.console()).toString("utf8") };
}

/** The console once it matches `pattern` (an instance's boot is asynchronous). */
export async function consoleMatching(
  instance: TestInstance,
  pattern: RegExp,
  timeoutMs = 20_000,
): Promise<string> {
  return waitFor(
    async () => {
      const text = await instance.text();
      return pattern.test(text) ? text : undefined;
    },
    { timeoutMs, message: `console of ${instance.id} to match ${pattern}` },
  );
}

/** GET `url` once the app behind it answers. */
export async function getWhenUp(url: string, timeoutMs = 20_000): Promise<string> {
  return waitFor(
    async () => {
      const response = await fetch(url);
      return response.ok ? await response.text() : undefined;
    },
    { timeoutMs, message: `${url} to answer` },
  );
}

/** Whether something accepts connections at `host:port`. */
export function accepts(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** The Node running the tests: visible inside instances (the overlay shows the host's files). */
export const NODE = process.execPath;

/** A one-line Node HTTP app for user data: answers `PREFIX HOSTNAME` on 0.0.0.0:PORT. */
export function nodeApp(port: number, prefix = "hello from"): string {
  return (
    `${NODE} -e 'require("http").createServer((q, s) => s.end("${prefix} " + require("os").hostname() + "\\n"))` +
    `.listen(${port}, "0.0.0.0")' &`
  );
}
