/**
 * `launchInstance`: boots one phoenix instance of the local provider (DESIGN §2). One `unshare` process and, in
 * the namespaces it creates, a shell as PID 1 (init-script.ts) with a socat per bridged port; everything else
 * (listening on the instance's address, the metadata endpoint, the way to the cloud endpoint) is a few sockets
 * in the calling process. The instance dies with its caller: init exits when the control pipe closes, and the
 * kernel then kills every process of its PID namespace.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { chmod, mkdir, rm } from "node:fs/promises";
import type http from "node:http";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { withMetadataEndpoint } from "@fawkes/protocol/imds";
import { parseUserData, renderBoot, type BootResult } from "../../../cloud-init/index.ts";
import { isInstanceAddress } from "./address.ts";
import { forwardTcpToUnix, forwardUnixToTcp, serveHttpOnUnix, type Bridge } from "./bridge.ts";
import { STAGE1, STAGE2 } from "./init-script.ts";
import { INSTANCE_PATH, writeRootFiles } from "./root-files.ts";

/** Port of the instance's metadata endpoint on its own loopback: `http://127.0.0.1:8155/`. */
export const INSTANCE_METADATA_PORT = 8155;

/** A host endpoint bridged into the instance. */
export interface HostEndpoint {
  readonly host: string;
  readonly port: number;
}

export interface InstanceSpec {
  /** `i-` and hex digits. */
  readonly id: string;
  /** From allocateAddress: `127.100.x.y`. */
  readonly address: string;
  /** The instance's host name (a `#cloud-config` `hostname`/`fqdn` overrides it). */
  readonly hostname: string;
  /** Raw user data (after `Fn::Base64` is undone). */
  readonly userData: Buffer;
  /**
   * `<data-dir>/instances/<id>`: created here and deleted on termination (must not exist yet). Its parent's
   * parent, the data directory, is hidden inside the instance.
   */
  readonly instanceDir: string;
  /** Ports of the instance's app reachable at `address:PORT` from the host. */
  readonly exposedPorts: readonly number[];
  /** Serves the instance's metadata endpoint (IMDS), reached inside at `http://127.0.0.1:8155/`. */
  readonly metadata: (request: http.IncomingMessage, response: http.ServerResponse) => void;
  /** The host's cloud endpoint: bridged to `127.0.0.1:<same port>` inside, as `AWS_ENDPOINT_URL`. */
  readonly cloudEndpoint?: HostEndpoint;
  /** The host's REST API: bridged to `127.0.0.1:<same port>` inside, as `FAWKES_SERVER`. */
  readonly apiEndpoint?: HostEndpoint;
  /** More variables for every process of the instance. */
  readonly env?: Readonly<Record<string, string>>;
  /** Receives console output as it comes. */
  readonly onConsole?: (chunk: Buffer) => void;
  /** More host paths hidden inside the instance. */
  readonly hide?: readonly string[];
  /** How `fawkes` runs inside. @default this process's node and this checkout's CLI, when present */
  readonly fawkesCommand?: { readonly node: string; readonly entry: string } | null;
  /** Console output kept (the most recent bytes). @default 1 MiB */
  readonly consoleLimit?: number;
}

export interface InstanceExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface TerminateOptions {
  /** Time the instance's processes get between SIGTERM and SIGKILL; 0 kills at once. @default 2000 */
  readonly graceMs?: number;
}

export interface RunningInstance {
  readonly id: string;
  readonly address: string;
  /** Host PID of the instance's init (PID 1 inside). */
  readonly pid: number;
  /** Console output so far (the last `consoleLimit` bytes). */
  console(): Promise<Buffer>;
  /** Makes more ports of the app reachable at `address:PORT`. */
  exposePorts(ports: readonly number[]): Promise<void>;
  /** User data finished (or could not run). Never rejects. */
  readonly ready: Promise<BootResult>;
  /**
   * Stops every process of the instance (SIGTERM, then SIGKILL for what is left after the grace period), removes
   * its listeners and deletes its directory. Calling it again returns the same promise.
   */
  terminate(options?: TerminateOptions): Promise<void>;
  /** The instance's init exited (terminated, or failed). */
  readonly exited: Promise<InstanceExit>;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../../..");

function defaultFawkesCommand(): { node: string; entry: string } | undefined {
  const entry = path.join(repoRoot, "packages/cli/src/main.ts");
  return existsSync(entry) ? { node: process.execPath, entry } : undefined;
}

const isUnder = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);

/** What stage 1 hides, re-creates empty, binds read-only and masks (see init-script.ts). */
function rootLayout(spec: InstanceSpec, tools: readonly string[]) {
  const dataDir = path.dirname(path.dirname(spec.instanceDir));
  const fresh = ["700 /root", "755 /home"];
  const hide = [...new Set([dataDir, "/root", "/home", ...(spec.hide ?? [])])].filter((p) => p !== "/");
  const rootDevice = statSync("/").dev;
  // The tools an instance runs from the host (node, the Fawkes checkout) must stay visible: bound read-only
  // when the overlay does not show them (another file system, or under a hidden path).
  const binds = [...new Set(tools)].filter(
    (p) => existsSync(p) && (statSync(p).dev !== rootDevice || hide.some((hidden) => isUnder(p, hidden))),
  );
  const masks = hide.filter((hidden) => binds.some((bound) => isUnder(hidden, bound)) && existsSync(hidden));
  return { hide, fresh, binds, masks };
}

const PORT = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

const invalid = (message: string): FawkesError => new FawkesError(ErrorCode.instanceSpecInvalid, message);

function validate(spec: InstanceSpec): void {
  if (!/^i-[0-9a-f]{8,17}$/.test(spec.id))
    throw invalid(`instance id '${spec.id}' is not i- and 8-17 hex digits`);
  if (!isInstanceAddress(spec.address))
    throw invalid(`instance address '${spec.address}' is not in 127.100.0.0/16`);
  if (!/^[A-Za-z0-9]([A-Za-z0-9.-]{0,62})$/.test(spec.hostname))
    throw invalid(`host name '${spec.hostname}' is not a valid host name`);
  if (!path.isAbsolute(spec.instanceDir) || /[,:\s\\]/.test(spec.instanceDir))
    throw invalid(
      `instance directory '${spec.instanceDir}' must be absolute, without ',', ':', '\\' or spaces`,
    );
  const bad = spec.exposedPorts.find((port) => !PORT(port) || port === INSTANCE_METADATA_PORT);
  if (bad !== undefined) throw invalid(`port ${bad} cannot be exposed`);
  for (const key of Object.keys(spec.env ?? {}))
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key))
      throw invalid(`environment variable name '${key}' is not valid`);
  for (const hidden of spec.hide ?? [])
    if (!path.isAbsolute(hidden) || /[\n\r]/.test(hidden))
      throw invalid(`hidden path '${hidden}' must be absolute`);
  if (spec.cloudEndpoint !== undefined && spec.cloudEndpoint.port === spec.apiEndpoint?.port)
    throw invalid(
      `the cloud endpoint and the API cannot share port ${spec.cloudEndpoint.port} inside an instance`,
    );
  for (const endpoint of [spec.cloudEndpoint, spec.apiEndpoint])
    if (endpoint !== undefined && (!PORT(endpoint.port) || endpoint.port === INSTANCE_METADATA_PORT))
      throw invalid(`an endpoint bridged into an instance cannot use port ${endpoint.port}`);
}

/** Keeps the most recent `limit` bytes of console output. */
function consoleTail(limit: number) {
  const chunks: Buffer[] = [];
  let size = 0;
  return {
    push(chunk: Buffer) {
      chunks.push(chunk);
      size += chunk.length;
      while (size > limit && chunks.length > 1) size -= chunks.shift()?.length ?? 0;
      if (size > limit && chunks[0] !== undefined) {
        chunks[0] = chunks[0].subarray(size - limit);
        size = limit;
      }
    },
    read: () => Buffer.concat(chunks),
  };
}

/** Lines from the init's status pipe (fd 3): `up`, `exposed PORT`, `failed PORT`, the boot result's JSON. */
function statusLines(stream: Readable, onLine: (line: string) => void): void {
  let pending = "";
  stream.setEncoding("utf8");
  stream.on("data", (text: string) => {
    pending += text;
    let newline: number;
    while ((newline = pending.indexOf("\n")) !== -1) {
      onLine(pending.slice(0, newline));
      pending = pending.slice(newline + 1);
    }
    if (pending.length > 65_536) pending = "";
  });
}

function parseResult(line: string): BootResult | undefined {
  try {
    const value = JSON.parse(line) as { exitCode?: unknown; failures?: unknown };
    if (typeof value.exitCode !== "number" || typeof value.failures !== "string") return undefined;
    const failures = value.failures.split(",").filter((name) => name !== "");
    return { ok: failures.length === 0, exitCode: value.exitCode, failures };
  } catch {
    return undefined;
  }
}

/** The instance's init: the only child of `unshare --fork`. */
function initPidOf(unsharePid: number): number | undefined {
  try {
    const children = readFileSync(`/proc/${unsharePid}/task/${unsharePid}/children`, "utf8")
      .trim()
      .split(/\s+/);
    const pid = Number(children[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The environment of every process in the instance. */
function instanceEnvironment(spec: InstanceSpec): Record<string, string> {
  const base: Record<string, string> = {
    ...(spec.cloudEndpoint === undefined
      ? {}
      : { AWS_ENDPOINT_URL: `http://127.0.0.1:${spec.cloudEndpoint.port}` }),
    ...(spec.apiEndpoint === undefined ? {} : { FAWKES_SERVER: `http://127.0.0.1:${spec.apiEndpoint.port}` }),
    ...spec.env,
  };
  return withMetadataEndpoint(base, `http://127.0.0.1:${INSTANCE_METADATA_PORT}/`);
}

export async function launchInstance(spec: InstanceSpec): Promise<RunningInstance> {
  validate(spec);
  const plan = parseUserData(spec.userData);
  // cloud-init sets the short name (its first label, at most 63 characters as the kernel allows).
  const fromUserData = (plan.hostname ?? plan.fqdn)?.split(".")[0]?.slice(0, 63);
  const hostname = fromUserData === undefined || fromUserData === "" ? spec.hostname : fromUserData;
  const environment = instanceEnvironment(spec);
  const fawkesCommand =
    spec.fawkesCommand === null ? undefined : (spec.fawkesCommand ?? defaultFawkesCommand());
  const dir = spec.instanceDir;
  const sockets = path.join(dir, "sock");
  await mkdir(path.dirname(dir), { recursive: true, mode: 0o700 });
  // Never two instances in one directory: one that exists is refused, and left alone.
  await mkdir(dir, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    throw error.code === "EEXIST" ? invalid(`instance directory ${dir} already exists`) : error;
  });
  const bridges: Bridge[] = [];
  const exposed = new Map<number, Bridge>();
  let child: ChildProcess | undefined;
  const cleanUp = async (): Promise<void> => {
    await Promise.all([...bridges, ...exposed.values()].map((bridge) => bridge.close()));
    await rm(dir, { recursive: true, force: true, maxRetries: 5 });
  };
  try {
    // The upper directory's mode is the instance's `/`: 0755 like the host's.
    for (const sub of ["upper", "work", "root", "sock"]) await mkdir(path.join(dir, sub), { mode: 0o700 });
    await chmod(path.join(dir, "upper"), 0o755);
    await writeRootFiles(path.join(dir, "upper"), {
      hostname,
      address: spec.address,
      environment,
      userData: spec.userData,
      boot: renderBoot(plan),
      ...(fawkesCommand === undefined ? {} : { fawkesCommand }),
    });
    const loopback: string[] = [`${INSTANCE_METADATA_PORT} imds`];
    bridges.push(
      await serveHttpOnUnix(path.join(sockets, "imds.sock"), (request, response) => {
        try {
          spec.metadata(request, response);
        } catch {
          response.destroy();
        }
      }),
    );
    for (const [name, endpoint] of [
      ["cloud", spec.cloudEndpoint],
      ["api", spec.apiEndpoint],
    ] as const) {
      if (endpoint === undefined) continue;
      bridges.push(await forwardUnixToTcp(path.join(sockets, `${name}.sock`), endpoint.host, endpoint.port));
      loopback.push(`${endpoint.port} ${name}`);
    }
    for (const port of new Set(spec.exposedPorts))
      exposed.set(port, await forwardTcpToUnix(spec.address, port, path.join(sockets, `port-${port}.sock`)));
    const tools = fawkesCommand === undefined ? [] : [path.dirname(fawkesCommand.node), repoRoot];
    const layout = rootLayout(spec, tools);
    child = spawn(
      "unshare",
      [
        ...[
          "--pid",
          "--fork",
          "--kill-child",
          "--mount",
          "--uts",
          "--ipc",
          "--net",
          "--propagation",
          "private",
        ],
        ...["--", "/bin/sh", "-c", STAGE1, "fawkes-init", dir, hostname],
        ...[layout.hide, layout.fresh, layout.binds, layout.masks].map((list) => list.join("\n")),
        ...[STAGE2, "--", spec.address, loopback.join("\n"), [...exposed.keys()].join("\n")],
      ],
      {
        stdio: ["pipe", "pipe", "pipe", "pipe"],
        env: {
          ...environment,
          PATH: INSTANCE_PATH,
          HOME: "/root",
          USER: "root",
          LOGNAME: "root",
          LANG: "C.UTF-8",
        },
      },
    );
  } catch (error) {
    child?.kill("SIGKILL");
    await cleanUp();
    throw new FawkesError(
      ErrorCode.instanceStartFailed,
      `instance ${spec.id} could not be started: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  return await running(spec, child, { exposed, cleanUp });
}

/** Time allowed for the init to build the root and start its bridges. */
const SETUP_TIMEOUT_MS = 30_000;
const DEFAULT_GRACE_MS = 2_000;
/** Time allowed for the init to exit once killed before the `unshare` process is killed too. */
const EXIT_TIMEOUT_MS = 10_000;

async function running(
  spec: InstanceSpec,
  child: ChildProcess,
  host: { exposed: Map<number, Bridge>; cleanUp: () => Promise<void> },
): Promise<RunningInstance> {
  const output = consoleTail(spec.consoleLimit ?? 1024 * 1024);
  const onOutput = (chunk: Buffer): void => {
    output.push(chunk);
    try {
      spec.onConsole?.(chunk);
    } catch {
      // the caller's listener failing must not take the server down; the console keeps the output
    }
  };
  child.stdout?.on("data", onOutput);
  child.stderr?.on("data", onOutput);
  const control = child.stdin as Writable;
  control.on("error", () => {}); // the init is gone: exited says so
  const exited = new Promise<InstanceExit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
    child.once("error", () => resolve({ code: null, signal: null }));
  });
  let hasExited = false;
  void exited.then(() => (hasExited = true));

  let settled = false;
  let resolveReady: (result: BootResult) => void = () => {};
  const ready = new Promise<BootResult>((resolve) => (resolveReady = resolve));
  const setResult = (result: BootResult): void => {
    settled = true;
    resolveReady(result);
  };
  let up: () => void = () => {};
  const isUp = new Promise<void>((resolve) => (up = resolve));
  const acks = new Map<number, (ok: boolean) => void>();
  statusLines(child.stdio[3] as Readable, (line) => {
    const [word, argument] = line.split(" ");
    if (word === "up") up();
    else if (word === "exposed" || word === "failed") acks.get(Number(argument))?.(word === "exposed");
    else {
      const result = parseResult(line);
      if (result !== undefined) setResult(result);
    }
  });
  void exited.then(({ code, signal }) => {
    for (const ack of acks.values()) ack(false);
    if (settled) return;
    setResult({ ok: false, exitCode: code ?? 128, failures: ["instance-exited"] });
    onOutput(
      Buffer.from(`fawkes: instance exited before its user data finished (${signal ?? `exit ${code}`})\n`),
    );
  });

  let terminating: Promise<void> | undefined;
  let pid: number | undefined = undefined;
  /** Resolves with "late" after `ms` unless the instance exited first. */
  const exitWithin = async (ms: number): Promise<"exited" | "late"> => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), ms)));
    const outcome = await Promise.race([exited.then(() => "exited" as const), late]);
    clearTimeout(timer);
    return outcome;
  };
  const terminate = (options: TerminateOptions = {}): Promise<void> => {
    terminating ??= (async () => {
      const graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
      // As EC2's shutdown does: SIGTERM to every process, then what is left is killed with PID 1.
      if (!hasExited && graceMs > 0 && control.writable) {
        control.end(`stop ${Math.ceil(graceMs / 10)}\n`);
        await exitWithin(graceMs + 1_000);
      }
      control.destroy();
      if (!hasExited && pid !== undefined) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      if ((await exitWithin(EXIT_TIMEOUT_MS)) === "late") {
        child.kill("SIGKILL");
        await exited;
      }
      await host.cleanUp();
    })();
    return terminating;
  };

  let setupTimer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    isUp.then(() => "up" as const),
    exited.then(() => "exited" as const),
    new Promise<"timeout">(
      (resolve) => (setupTimer = setTimeout(() => resolve("timeout"), SETUP_TIMEOUT_MS)),
    ),
  ]);
  clearTimeout(setupTimer);
  pid = initPidOf(child.pid ?? -1);
  if (outcome !== "up" || pid === undefined) {
    await terminate();
    const tail = output.read().toString("utf8").trim().split("\n").slice(-10).join("\n");
    throw new FawkesError(
      ErrorCode.instanceStartFailed,
      `instance ${spec.id} did not start (${outcome}): ${tail}`,
    );
  }
  const initPid = pid;

  const exposeNow = async (ports: readonly number[]): Promise<void> => {
    for (const port of new Set(ports)) {
      if (host.exposed.has(port)) continue;
      if (!PORT(port) || port === INSTANCE_METADATA_PORT) throw invalid(`port ${port} cannot be exposed`);
      if (terminating !== undefined || hasExited)
        throw new FawkesError(ErrorCode.instanceNotRunning, `instance ${spec.id} is not running`);
      const socket = path.join(spec.instanceDir, "sock", `port-${port}.sock`);
      const bridge = await forwardTcpToUnix(spec.address, port, socket).catch((error: Error) => {
        throw new FawkesError(ErrorCode.instanceStartFailed, `${spec.address}:${port}: ${error.message}`, {
          cause: error,
        });
      });
      host.exposed.set(port, bridge);
      const ok = await new Promise<boolean>((resolve) => {
        acks.set(port, resolve);
        control.write(`expose ${port}\n`);
      });
      acks.delete(port);
      if (!ok) {
        host.exposed.delete(port);
        await bridge.close();
        throw new FawkesError(
          ErrorCode.instanceStartFailed,
          `instance ${spec.id} could not expose port ${port}`,
        );
      }
    }
  };

  // One exposure at a time: two calls for the same port never race for its listener.
  let exposing: Promise<void> = Promise.resolve();
  const exposePorts = (ports: readonly number[]): Promise<void> => {
    const next = exposing.then(() => exposeNow(ports));
    exposing = next.catch(() => {});
    return next;
  };

  return {
    id: spec.id,
    address: spec.address,
    pid: initPid,
    console: () => Promise.resolve(output.read()),
    exposePorts,
    ready,
    terminate,
    exited,
  };
}
