/**
 * `fawkes server`: opens the database, loads config, starts the engine and the HTTP server.
 * The CLI and tests start it through `startServer(compileServerOptions(...))`.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pino, type Logger } from "pino";
import { createEngine } from "./engine/engine.ts";
import { buildApp } from "./http/app.ts";
import { startCloud } from "./cloud/runtime.ts";
import { loadDataKey, loadServerKeys } from "./keys.ts";
import { openDatabase } from "./store/db.ts";
import type { ServerOptions } from "./options.ts";

export { compileServerOptions, type ServerOptions } from "./options.ts";
export { buildApp, VERSION } from "./http/app.ts";

export interface RunningServer {
  url: string;
  /** The cloud endpoint (S3 …), e.g. `http://127.0.0.1:8154`. */
  cloudUrl: string;
  /** The current API token (`POST /api/v1/api-token/rotate` replaces it). */
  readonly apiToken: string;
  agentKey: string;
  autoRegisterKey: string;
  /**
   * The administrator access key, only on the data directory's first start (its secret is never shown again:
   * the server stores it encrypted). Undefined on every later start.
   */
  initialAccessKey?: { accessKeyId: string; secretAccessKey: string };
  close(): Promise<void>;
}

export async function startServer(options: Readonly<ServerOptions>, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: options.logLevel, base: { component: "server" } });
  await mkdir(options.dataDir, { recursive: true });
  const keys = await loadServerKeys(options.dataDir);
  const database = await openDatabase(path.join(options.dataDir, "fawkes.db"));
  const cloud = await startCloud(
    {
      dataDir: options.dataDir,
      host: options.host,
      port: options.cloudPort,
      dataKey: await loadDataKey(options.dataDir),
      log: log.child({ component: "cloud" }),
    },
    database.db,
  ).catch(async (error: unknown) => {
    await database.close();
    throw error;
  });
  const engine = createEngine(options, database.db, log);
  engine.ctx.cloud = cloud;
  const { app } = await buildApp(engine, keys, log);
  await app.listen({ host: options.host, port: options.port }).catch(async (error: unknown) => {
    await cloud.close();
    await database.close();
    throw error;
  });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  engine.ctx.serverUrl = url;
  await engine.start();
  // Last, once everything listens: a start that fails earlier must not consume the one showing of the secret.
  const initialAccessKey = await cloud.accessKeys.ensureAdminKey();
  await writeFile(
    path.join(options.dataDir, "server.json"),
    JSON.stringify({ url, cloudUrl: cloud.url, pid: process.pid }) + "\n",
  );
  log.info({ url, cloudUrl: cloud.url, dataDir: options.dataDir }, "fawkes server listening");
  let closing: Promise<void> | null = null;
  return {
    url,
    cloudUrl: cloud.url,
    get apiToken() {
      return keys.apiToken;
    },
    agentKey: keys.agentKey,
    autoRegisterKey: keys.autoRegisterKey,
    ...(initialAccessKey && { initialAccessKey }),
    close() {
      closing ??= (async () => {
        await engine.close();
        await app.close();
        await cloud.close();
        await database.close();
        await rm(path.join(options.dataDir, "server.json"), { force: true });
      })();
      return closing;
    },
  };
}
