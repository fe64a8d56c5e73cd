/**
 * A launched instance, seen from the server: its console, the status lines its init writes on fd 3 (`up`,
 * `exposed PORT`, the boot result), more ports exposed on demand, and termination.
 */
import type { ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Readable, Writable } from "node:stream";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { BootResult } from "../../../cloud-init/index.ts";
import { forwardTcpToUnix, type Bridge } from "./bridge.ts";
import {
  INSTANCE_METADATA_PORT,
  invalid,
  PORT,
  type InstanceExit,
  type InstanceSpec,
  type RunningInstance,
  type TerminateOptions,
} from "./spec.ts";

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

/** Time allowed for the init to build the root and start its bridges. */
const SETUP_TIMEOUT_MS = 30_000;
const DEFAULT_GRACE_MS = 2_000;
/** Time allowed for the init to exit once killed before the `unshare` process is killed too. */
const EXIT_TIMEOUT_MS = 10_000;

export async function running(
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
