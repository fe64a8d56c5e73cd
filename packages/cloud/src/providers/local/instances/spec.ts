/** What `launchInstance` is given and gives back, and the checks a spec must pass before anything is created. */
import type http from "node:http";
import path from "node:path";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { BootResult } from "../../../cloud-init/index.ts";
import { isInstanceAddress } from "./address.ts";

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

export const PORT = (port: number): boolean => Number.isInteger(port) && port >= 1 && port <= 65535;

export const invalid = (message: string): FawkesError =>
  new FawkesError(ErrorCode.instanceSpecInvalid, message);

export function validate(spec: InstanceSpec): void {
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
