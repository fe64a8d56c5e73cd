/**
 * `fawkes server`: opens the database, loads config, starts the engine and the HTTP server.
 * The CLI and tests start it through `startServer(compileServerOptions(...))`.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pino, type Logger } from "pino";
import { createEngine } from "./engine/engine.ts";
import { buildApp } from "./http/app.ts";
import { loadServerKeys } from "./keys.ts";
import { openDatabase } from "./store/db.ts";
import type { ServerOptions } from "./options.ts";

export { compileServerOptions, type ServerOptions } from "./options.ts";
export { buildApp, VERSION } from "./http/app.ts";

export interface RunningServer {
  url: string;
  apiToken: string;
  agentKey: string;
  autoRegisterKey: string;
  close(): Promise<void>;
}

export async function startServer(options: Readonly<ServerOptions>, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: options.logLevel, base: { component: "server" } });
  await mkdir(options.dataDir, { recursive: true });
  const keys = await loadServerKeys(options.dataDir);
  const database = await openDatabase(path.join(options.dataDir, "fawkes.db"));
  const engine = createEngine(options, database.db, log);
  const { app } = await buildApp(engine, keys, log);
  await app.listen({ host: options.host, port: options.port });
  const address = app.server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
  engine.ctx.serverUrl = url;
  await engine.start();
  await writeFile(
    path.join(options.dataDir, "server.json"),
    JSON.stringify({ url, pid: process.pid }) + "\n",
  );
  log.info({ url, dataDir: options.dataDir }, "fawkes server listening");
  let closing: Promise<void> | null = null;
  return {
    url,
    apiToken: keys.apiToken,
    agentKey: keys.agentKey,
    autoRegisterKey: keys.autoRegisterKey,
    close() {
      closing ??= (async () => {
        await engine.close();
        await app.close();
        await database.close();
        await rm(path.join(options.dataDir, "server.json"), { force: true });
      })();
      return closing;
    },
  };
}
