/**
 * `launchInstance`: boots one phoenix instance of the local provider (DESIGN §2). One `unshare` process and, in
 * the namespaces it creates, a shell as PID 1 (init-script.ts) with a socat per bridged port; everything else
 * (listening on the instance's address, the metadata endpoint, the way to the cloud endpoint) is a few sockets
 * in the calling process. The instance dies with its caller: init exits when the control pipe closes, and the
 * kernel then kills every process of its PID namespace.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { chmod, mkdir, rm } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { withMetadataEndpoint } from "@fawkes/protocol/imds";
import { parseUserData, renderBoot } from "../../../cloud-init/index.ts";
import { forwardTcpToUnix, forwardUnixToTcp, serveHttpOnUnix, type Bridge } from "./bridge.ts";
import { STAGE1, STAGE2 } from "./init-script.ts";
import { INSTANCE_PATH, writeRootFiles } from "./root-files.ts";
import { running } from "./running.ts";
import {
  INSTANCE_METADATA_PORT,
  invalid,
  validate,
  type InstanceSpec,
  type RunningInstance,
} from "./spec.ts";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../../..");

function defaultFawkesCommand(): { node: string; entry: string } | undefined {
  const entry = path.join(repoRoot, "packages/cli/src/main.ts");
  return existsSync(entry) ? { node: process.execPath, entry } : undefined;
}

const isUnder = (child: string, parent: string): boolean =>
  child === parent || child.startsWith(parent.endsWith("/") ? parent : `${parent}/`);

/** Directories stage 1 mounts fresh over the host's (init-script.ts): nothing of the host's shows there. */
const FRESH_MOUNTS = ["/tmp", "/run"];

/** What stage 1 hides, re-creates empty, binds read-only and masks (see init-script.ts). */
function rootLayout(spec: InstanceSpec, tools: readonly string[]) {
  const dataDir = path.dirname(path.dirname(spec.instanceDir));
  const fresh = ["700 /root", "755 /home"];
  const hide = [...new Set([dataDir, "/root", "/home", ...(spec.hide ?? [])])].filter((p) => p !== "/");
  const rootDevice = statSync("/").dev;
  // The tools an instance runs from the host (node, the Fawkes checkout) must stay visible: bound read-only
  // when the overlay does not show them (another file system, under a hidden path, or under /tmp or /run,
  // which the instance gets fresh: a checkout in /tmp, as CI clones one).
  const covered = [...hide, ...FRESH_MOUNTS];
  const needed = [...new Set(tools)].filter(
    (p) => existsSync(p) && (statSync(p).dev !== rootDevice || covered.some((hidden) => isUnder(p, hidden))),
  );
  // A path inside another bound one comes with it.
  const binds = needed.filter((p) => !needed.some((other) => other !== p && isUnder(p, other)));
  // A hidden path inside a bound one is covered again (the data directory inside a checkout); the tools win over
  // a hidden path that holds them.
  const masks = hide.filter(
    (hidden) => binds.some((bound) => hidden !== bound && isUnder(hidden, bound)) && existsSync(hidden),
  );
  return { hide, fresh, binds, masks };
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
