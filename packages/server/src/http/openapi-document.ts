/** Builds the OpenAPI document offline (for the committed copy and its drift test). */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { createEngine } from "../engine/engine.ts";
import { compileServerOptions } from "../options.ts";
import { openMemoryDatabase } from "../store/db.ts";
import { buildApp, VERSION } from "./app.ts";
import { openApiDocument } from "./openapi.ts";

export async function generateOpenApi(): Promise<object> {
  const dataDir = await mkdtemp(path.join(tmpdir(), "fawkes-openapi-"));
  const database = await openMemoryDatabase();
  try {
    const log = pino({ level: "silent" });
    const engine = createEngine(compileServerOptions({ dataDir }, {}), database.db, log);
    const { app, routes } = await buildApp(
      engine,
      { apiToken: "x", agentKey: "x", autoRegisterKey: "x" },
      log,
    );
    await app.ready();
    await app.close();
    return openApiDocument(routes, VERSION);
  } finally {
    await database.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}
