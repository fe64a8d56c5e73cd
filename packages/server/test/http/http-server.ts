/**
 * An in-process server on a real port (database, cloud endpoint, engine and HTTP app, as `startServer` wires
 * them) that also hands the test its route registry and engine; and a raw HTTP/1.1 client over `node:net` for
 * request targets no HTTP library would send as they are (absolute form, dot segments, odd escapes).
 */
import { connect } from "node:net";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { KyselyPlugin } from "kysely";
import { pino, type Logger } from "pino";
import { tempDir, testDatabase, type CleanupScope, onCleanup, yamlString } from "@fawkes/testing";
import { startCloud } from "../../src/cloud/runtime.ts";
import type { Clock } from "../../src/engine/clock.ts";
import { createEngine, type Engine } from "../../src/engine/engine.ts";
import type { InstanceDirectory } from "../../src/http/api-instances.ts";
import { buildApp } from "../../src/http/app.ts";
import { JobIdTokens } from "../../src/identity/oidc/index.ts";
import type { RouteRegistry } from "../../src/http/registry.ts";
import { loadDataKey, loadServerKeys, type ServerKeys } from "../../src/keys.ts";
import { compileServerOptions } from "../../src/options.ts";
import { openDatabase } from "../../src/store/db.ts";

/** One pipeline `demo` (one stage, one job running `true`) on the git repository at `repo`. */
export const demoPipelineYaml = (repo: string, group: string): string => `
format_version: 10
pipelines:
  demo:
    group: ${group}
    materials:
      src:
        git: ${yamlString(repo)}
        branch: main
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec:
                    command: "true"
`;

export interface HttpServer {
  url: string;
  host: string;
  port: number;
  dataDir: string;
  keys: ServerKeys;
  engine: Engine;
  routes: RouteRegistry;
  app: FastifyInstance;
}

export async function startHttpServer(
  t: CleanupScope,
  options: {
    pipelineSources?: string[];
    log?: Logger;
    /** Extra kysely plugins on the server's database handle (a test's forced failures). */
    plugins?: KyselyPlugin[];
    /** The engine's clock (e.g. the system clock moved forward by a test). @default the system clock */
    clock?: Clock;
    /** The phoenix instances the instance routes show. @default none */
    instances?: InstanceDirectory;
  } = {},
): Promise<HttpServer> {
  const dataDir = await tempDir(t, "fawkes-http-");
  const log = options.log ?? pino({ level: "silent" });
  const serverOptions = compileServerOptions(
    {
      dataDir,
      host: "127.0.0.1",
      port: 0,
      cloudPort: 0,
      pipelineSources: options.pipelineSources ?? [],
      pollIntervalMs: 600_000,
    },
    {},
  );
  const keys = await loadServerKeys(dataDir);
  const dataKey = await loadDataKey(dataDir);
  // The suite's store (FAWKES_TEST_STORE): the data dir's SQLite file, or a fresh PostgreSQL database.
  const target = (await testDatabase(t)) ?? path.join(dataDir, "fawkes.db");
  const database = await openDatabase(target, { dataKey });
  onCleanup(t, () => database.close());
  const db = (options.plugins ?? []).reduce((handle, plugin) => handle.withPlugin(plugin), database.db);
  // Stack changes reach the event stream as in `startServer`.
  let stackChanged: (name: string) => void = () => {};
  const cloud = await startCloud(
    {
      dataDir,
      host: "127.0.0.1",
      port: 0,
      dataKey,
      log,
      stackChanged: (stack) => stackChanged(stack.name),
    },
    db,
  );
  onCleanup(t, () => cloud.close());
  const engine = createEngine(serverOptions, db, log, dataKey, options.clock);
  engine.ctx.cloud = cloud;
  stackChanged = (name) => engine.ctx.events.publish({ type: "stack", stack: name });
  engine.ctx.oidc = new JobIdTokens({
    db: database.db,
    dataKey,
    artifacts: engine.artifacts,
    issuer: () => engine.ctx.serverUrl,
    rotationDays: serverOptions.oidcKeyRotationDays,
    tokenLifetimeSeconds: serverOptions.oidcTokenLifetimeSeconds,
    now: () => engine.ctx.now(),
  });
  const instances = options.instances;
  const { app, routes } = await buildApp(engine, keys, log, instances ? { instances: () => instances } : {});
  onCleanup(t, () => app.close());
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `http://127.0.0.1:${port}`;
  engine.ctx.serverUrl = url;
  await engine.start();
  onCleanup(t, () => engine.close());
  return { url, host: "127.0.0.1", port, dataDir, keys, engine, routes, app };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `target` exactly as given (`GET /x/../api/v1/pipelines HTTP/1.1`), one request per connection, and
 * reads the whole answer.
 */
export function rawRequest(
  server: { host: string; port: number },
  request: { method: string; target: string; headers?: Record<string, string>; body?: string },
  timeoutMs = 5_000,
): Promise<RawResponse> {
  const body = request.body ?? "";
  const headers: Record<string, string> = {
    host: `${server.host}:${server.port}`,
    connection: "close",
    ...(body !== "" && { "content-type": "application/json" }),
    "content-length": String(Buffer.byteLength(body)),
    ...request.headers,
  };
  const head =
    `${request.method} ${request.target} HTTP/1.1\r\n` +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join("") +
    "\r\n";
  return new Promise((resolve, reject) => {
    const socket = connect(server.port, server.host);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const answer = parseAnswer(Buffer.concat(chunks).toString("utf8"));
      if (answer) resolve(answer);
      else reject(new Error(`no HTTP answer to ${request.method} ${request.target} within ${timeoutMs} ms`));
    };
    // A stream that never ends (an event stream let through) still has its status line: report it.
    const timer = setTimeout(finish, timeoutMs);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("error", (error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      reject(error);
    });
    socket.on("close", finish);
    socket.write(head + body);
  });
}

function parseAnswer(text: string): RawResponse | undefined {
  const headEnd = text.indexOf("\r\n\r\n");
  if (headEnd < 0) return undefined;
  const [statusLine = "", ...headerLines] = text.slice(0, headEnd).split("\r\n");
  const status = Number(statusLine.split(" ")[1]);
  if (!Number.isInteger(status)) return undefined;
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(":");
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { status, headers, body: text.slice(headEnd + 4) };
}
