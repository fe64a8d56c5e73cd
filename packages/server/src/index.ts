/**
 * `fawkes server`: opens the database, loads config, starts the engine and the HTTP server.
 * The CLI and tests start it through `startServer(compileServerOptions(...))`.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { pino, type Logger } from "pino";
import { createEngine } from "./engine/engine.ts";
import { ensureInitialAdmin } from "./identity/users/manage-users.ts";
import { buildApp } from "./http/app.ts";
import { startCloud } from "./cloud/runtime.ts";
import { ensureCiRole } from "./identity/ci-role.ts";
import { fawkesWebIdentityVerifierOf, JobIdTokens } from "./identity/oidc/index.ts";
import { lockDataDir } from "./data-dir-lock.ts";
import { tightenDataDir } from "./data-dir-permissions.ts";
import { loadDataKey, loadServerKeys } from "./keys.ts";
import { describePostgresUrl, openDatabase } from "./store/db.ts";
import type { ServerOptions } from "./options.ts";
import type { RouteAccess } from "./http/access.ts";

export { compileServerOptions, type ServerOptions } from "./options.ts";
export { buildApp, VERSION } from "./http/app.ts";
export type { RouteAccess } from "./http/access.ts";
export {
  copySqliteToPostgres,
  type CopyDatabaseOptions,
  type CopyDatabaseResult,
  type CopyProgress,
} from "./store/copy.ts";

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
  /**
   * `fawkes up`: creates the `fawkes-ci` role on the data directory's first start (identity/ci-role.ts); its
   * name while it exists, undefined without a roles store or once the operator deleted it.
   */
  ensureCiRole(): Promise<string | undefined>;
  /**
   * The administrator's login (user `admin`, a random password), only on the start that created the first
   * user: print it once (it is stored as a scrypt hash only). Undefined on every later start.
   */
  initialAdminLogin?: { user: string; password: string };
  /** Every route the HTTP server registered, with its declared access (for tests that walk them all). */
  routes: readonly { method: string; path: string; access: RouteAccess }[];
  close(): Promise<void>;
}

export async function startServer(options: Readonly<ServerOptions>, logger?: Logger): Promise<RunningServer> {
  const log = logger ?? pino({ level: options.logLevel, base: { component: "server" } });
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  // Before anything reads or writes the directory: a second server on it must change nothing.
  const lock = await lockDataDir(options.dataDir);
  const startedAt = Date.now();
  /** What a start that fails half-way undoes, newest first. */
  const undo: (() => Promise<unknown>)[] = [() => lock.release()];
  try {
    const tightened = await tightenDataDir(options.dataDir);
    if (tightened.count > 0)
      log.info(
        { dataDir: options.dataDir, entries: tightened.count, examples: tightened.examples },
        "data directory made private to its owner",
      );
    const keys = await loadServerKeys(options.dataDir);
    const dataKey = await loadDataKey(options.dataDir);
    const database = await openDatabase(options.database ?? path.join(options.dataDir, "fawkes.db"), {
      dataKey,
    });
    if (options.database !== undefined)
      log.info({ database: describePostgresUrl(options.database) }, "store: PostgreSQL");
    undo.unshift(() => database.close());
    // AssumeRoleWithWebIdentity verifies Fawkes's own ID tokens with the issuer the engine gets below.
    let oidc: () => JobIdTokens | undefined = () => undefined;
    // Bridged into phoenix instances as FAWKES_SERVER (known before listening unless the port is picked).
    const apiHost = ["0.0.0.0", "::", "[::]"].includes(options.host) ? "127.0.0.1" : options.host;
    let apiPort = options.port;
    // Stack changes go to the web UI's event stream once the engine (and its bus) exists.
    let stackChanged: (name: string) => void = () => {};
    const cloud = await startCloud(
      {
        dataDir: options.dataDir,
        host: options.host,
        port: options.cloudPort,
        dataKey,
        log: log.child({ component: "cloud" }),
        webIdentity: fawkesWebIdentityVerifierOf(() => oidc()),
        apiEndpoint: () => (apiPort > 0 ? { host: apiHost, port: apiPort } : undefined),
        stackChanged: (stack) => stackChanged(stack.name),
      },
      database.db,
    );
    undo.unshift(() => cloud.close());
    const engine = createEngine(options, database.db, log, dataKey);
    oidc = () => engine.ctx.oidc;
    stackChanged = (name) => engine.ctx.events.publish({ type: "stack", stack: name });
    engine.ctx.cloud = cloud;
    engine.ctx.oidc = new JobIdTokens({
      db: database.db,
      dataKey,
      artifacts: engine.artifacts,
      issuer: () => options.publicUrl ?? engine.ctx.serverUrl,
      rotationDays: options.oidcKeyRotationDays,
      tokenLifetimeSeconds: options.oidcTokenLifetimeSeconds,
      now: () => engine.ctx.now(),
    });
    const { app, routes } = await buildApp(engine, keys, log);
    undo.unshift(() => app.close());
    await app.listen({ host: options.host, port: options.port });
    const address = app.server.address();
    const port = typeof address === "object" && address ? address.port : options.port;
    apiPort = port;
    const url = `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`;
    engine.ctx.serverUrl = url;
    undo.unshift(() => engine.close());
    // The JWKS is never empty: relying parties may fetch it before the first job asks for a token.
    await engine.ctx.oidc.issuer.keys.signingKey();
    await engine.start();
    // Last, once everything listens: a start that fails earlier must not consume the one showing of the secret.
    const initialAccessKey = await cloud.accessKeys.ensureAdminKey();
    const initialAdminLogin = await ensureInitialAdmin(engine.ctx);
    await writeFile(
      path.join(options.dataDir, "server.json"),
      JSON.stringify({ url, cloudUrl: cloud.url, pid: process.pid }) + "\n",
      { mode: 0o600 },
    );
    log.info({ url, cloudUrl: cloud.url, dataDir: options.dataDir }, "fawkes server listening");
    // Uploads cut short by a killed server left temp files; live uploads' are younger than this start.
    engine.artifacts.sweepTempFiles(startedAt).then(
      (swept) => swept > 0 && log.info({ files: swept }, "leftover artifact upload files deleted"),
      (error: unknown) => log.warn({ err: error }, "sweeping leftover artifact upload files failed"),
    );
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
      ensureCiRole: () => ensureCiRole(database.db, cloud.sessions.roles),
      ...(initialAdminLogin && { initialAdminLogin }),
      routes: routes.specs.map(({ method, path, access }) => ({ method, path, access })),
      close() {
        closing ??= (async () => {
          await engine.close();
          await app.close();
          await cloud.close();
          await database.close();
          await rm(path.join(options.dataDir, "server.json"), { force: true });
          await lock.release();
        })();
        return closing;
      },
    };
  } catch (error) {
    for (const step of undo) await step().catch(() => undefined);
    throw error;
  }
}
