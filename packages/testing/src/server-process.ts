import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { ApiRoutes } from "@fawkes/protocol";
import { createApiClient, type ApiClient } from "./api-client.ts";
import { spawnFawkes, type CapturedProcess } from "./child-process.ts";
import { onCleanup, type CleanupScope } from "./cleanup.ts";
import { tempDir } from "./temp-dir.ts";
import { testDatabase } from "./test-store.ts";
import { waitFor } from "./wait-for.ts";

export interface ServerProcessOptions {
  /** @default a fresh temp dir */
  dataDir?: string;
  /** `--pipelines` sources: directories or git URLs. */
  pipelines?: string[];
  /** `--poll-interval`. @default 60000 (tests trigger with notify, not by polling) */
  pollIntervalMs?: number;
  /** Extra environment (e.g. FAWKES_AGENT_LOST_AFTER_MS). */
  env?: Record<string, string>;
  /** Deadline for server.json and a healthy /api/v1/health. @default 30000 */
  startTimeoutMs?: number;
  /**
   * A `postgres://` URL the server stores its state in (passed as FAWKES_DATABASE_URL, so it stays out of the
   * process list), or `"sqlite"` for the data dir's SQLite file whatever FAWKES_TEST_STORE says (a test about
   * SQLite itself). @default the test store (test-store.ts): SQLite, or a fresh PostgreSQL database
   */
  database?: string;
}

/** A `fawkes server` subprocess. */
export interface ServerProcess {
  /** e.g. http://127.0.0.1:40123 (kept across `restart`). */
  readonly url: string;
  readonly port: number;
  /** The cloud endpoint (S3 …), from server.json (kept across `restart`). */
  readonly cloudUrl: string;
  readonly dataDir: string;
  /** The PostgreSQL URL of its store; undefined when it is the data dir's SQLite file. */
  readonly database: string | undefined;
  /** Admin API bearer token (from keys/api-token). */
  readonly token: string;
  /** Registers agents as pending. */
  readonly agentKey: string;
  /** Registers agents enabled. */
  readonly autoRegisterKey: string;
  /** The current process (changes on `restart`). */
  readonly process: CapturedProcess;
  readonly api: ApiClient;
  /** Stop the process with `signal` (SIGKILL = crash) and wait for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Start again on the same data dir and port (stops the running process first with SIGTERM if needed).
   * `env` is added to the environment of this incarnation only (e.g. a test failpoint).
   */
  restart(env?: Record<string, string>): Promise<void>;
  /** Output captured from every incarnation, for failure messages. */
  output(): string;
}

export async function startServerProcess(
  t: CleanupScope,
  options: ServerProcessOptions = {},
): Promise<ServerProcess> {
  const dataDir = options.dataDir ?? (await tempDir(t, "fawkes-data-"));
  const timeoutMs = options.startTimeoutMs ?? 30_000;
  const chosen = options.database ?? (await testDatabase(t));
  const database = chosen === "sqlite" ? undefined : chosen;
  // The server saves its token for the CLI under $XDG_CONFIG_HOME: keep that out of the user's home.
  const env: Record<string, string> = {
    XDG_CONFIG_HOME: await tempDir(t, "fawkes-xdg-"),
    ...options.env,
    ...(database !== undefined && { FAWKES_DATABASE_URL: database }),
  };
  const baseArgs = ["server", "--data-dir", dataDir];
  for (const source of options.pipelines ?? []) baseArgs.push("--pipelines", source);
  baseArgs.push("--poll-interval", String(options.pollIntervalMs ?? 60_000));

  let current: CapturedProcess | undefined;
  let url = "";
  let port = 0;
  let cloudUrl = "";
  // Ephemeral like the HTTP port (tests run in parallel; 8154 would collide), then kept across restarts.
  let cloudPort = 0;
  let keys = { token: "", agentKey: "", autoRegisterKey: "" };
  const previousOutput: string[] = [];
  const output = () => [...previousOutput, current?.output() ?? ""].join("\n");

  const launch = async (extraEnv: Record<string, string> = {}): Promise<void> => {
    // A server.json left by an earlier (killed) incarnation must not be mistaken for the new one.
    await rm(path.join(dataDir, "server.json"), { force: true });
    if (current !== undefined) previousOutput.push(current.output());
    const proc = spawnFawkes(
      "fawkes server",
      [...baseArgs, "--port", String(port), "--cloud-port", String(cloudPort)],
      { ...env, ...extraEnv },
    );
    current = proc;
    const abortIf = () => (proc.hasExited() ? "the server process exited" : undefined);
    const info = await waitFor(() => readServerJson(dataDir), {
      timeoutMs,
      message: `${dataDir}/server.json`,
      abortIf,
    }).catch((error: unknown) => {
      throw withOutput(error, output());
    });
    url = info.url.replace(/\/$/, "");
    port = Number(new URL(url).port);
    if (info.cloudUrl !== undefined) {
      cloudUrl = info.cloudUrl.replace(/\/$/, "");
      cloudPort = Number(new URL(cloudUrl).port);
    }
    await waitFor(
      async () => (await fetch(url + ApiRoutes.health, { signal: AbortSignal.timeout(2000) })).status === 200,
      { timeoutMs, message: `${url}${ApiRoutes.health} to answer 200`, abortIf },
    ).catch((error: unknown) => {
      throw withOutput(error, output());
    });
    keys = {
      token: await readKey(dataDir, "api-token"),
      agentKey: await readKey(dataDir, "agent-key"),
      autoRegisterKey: await readKey(dataDir, "agent-auto-register-key"),
    };
  };

  onCleanup(t, () => current?.kill("SIGTERM", 5000));
  await launch();

  const api = createApiClient(
    () => url,
    () => keys.token,
  );
  return {
    get url() {
      return url;
    },
    get port() {
      return port;
    },
    get cloudUrl() {
      return cloudUrl;
    },
    dataDir,
    database,
    get token() {
      return keys.token;
    },
    get agentKey() {
      return keys.agentKey;
    },
    get autoRegisterKey() {
      return keys.autoRegisterKey;
    },
    get process() {
      return current as CapturedProcess;
    },
    api,
    kill: (signal = "SIGTERM") => (current as CapturedProcess).kill(signal),
    async restart(extraEnv) {
      await current?.kill("SIGTERM");
      await launch(extraEnv);
    },
    output,
  };
}

async function readServerJson(
  dataDir: string,
): Promise<{ url: string; cloudUrl?: string; pid: number } | undefined> {
  const text = await readFile(path.join(dataDir, "server.json"), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = JSON.parse(text) as { url?: unknown; cloudUrl?: unknown; pid?: unknown };
  if (typeof parsed.url !== "string") return undefined;
  return {
    url: parsed.url,
    pid: Number(parsed.pid),
    ...(typeof parsed.cloudUrl === "string" && { cloudUrl: parsed.cloudUrl }),
  };
}

async function readKey(dataDir: string, name: string): Promise<string> {
  return (await readFile(path.join(dataDir, "keys", name), "utf8")).trim();
}

function withOutput(error: unknown, output: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  return new Error(`${message}\n${output}`, { cause: error });
}
