/**
 * Server options: raw flags → one compile step → a frozen, fully defaulted object.
 * Precedence: defaults < FAWKES_* environment < raw (flags).
 */
import path from "node:path";
import { defaultConfigMaxBytes } from "@fawkes/core";

export interface ServerOptions {
  /** Absolute data directory. @default "./.fawkes" */
  dataDir: string;
  /**
   * The store: a `postgres://` URL (env `FAWKES_DATABASE_URL`), or undefined for the embedded SQLite file
   * `<dataDir>/fawkes.db`. The data directory still holds keys, logs and artifacts either way.
   * @default undefined
   */
  database?: string | undefined;
  /** @default "127.0.0.1" */
  host: string;
  /** HTTP API, web UI and agent protocol; 0 picks a free port. @default 8153 */
  port: number;
  /** Cloud endpoint (S3, STS, …), used by later features. @default 8154 */
  cloudPort: number;
  /** Local directories or git URLs (optionally `URL#branch`) scanned for `*.gocd.yaml`. @default [] */
  pipelineSources: string[];
  /** Git polling fallback interval per material; 0 disables polling. @default 10000 */
  pollIntervalMs: number;
  /** An agent silent this long is lost and its job is rescheduled. @default 30000 */
  agentLostAfterMs: number;
  /** Reassignments of a job whose agent was lost before it is failed instead. @default 2 */
  maxJobReschedules: number;
  /** Default no-output timeout for jobs without `timeout`, in minutes; 0 = never. @default 0 */
  defaultJobTimeoutMinutes: number;
  /** pino level. @default "info" */
  logLevel: string;
  /**
   * Largest pipeline config file (`*.gocd.yaml`) parsed, in bytes; a larger one is a config error and is not
   * read. @default 1048576 (1 MiB)
   */
  configMaxBytes: number;
  /**
   * The URL users, agents and relying parties reach the server at (env `FAWKES_PUBLIC_URL`): the OIDC issuer
   * (`iss`) of jobs' ID tokens. Undefined: the URL the server listens on (GO_SERVER_URL).
   * @default undefined
   */
  publicUrl?: string | undefined;
  /** Days an OIDC signing key signs before a new one replaces it. @default 7 */
  oidcKeyRotationDays: number;
  /** Lifetime of jobs' OIDC ID tokens, in seconds (60–3600). @default 600 */
  oidcTokenLifetimeSeconds: number;
}

type Env = Record<string, string | undefined>;

function intFrom(env: Env, key: string): number | undefined {
  const raw = env[key];
  if (raw === undefined || raw === "") return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new Error(`${key} must be a non-negative integer, got "${raw}"`);
  return value;
}

function defined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function compileServerOptions(
  raw: Partial<ServerOptions> = {},
  env: Env = process.env,
): Readonly<ServerOptions> {
  const defaults: ServerOptions = {
    dataDir: "./.fawkes",
    host: "127.0.0.1",
    port: 8153,
    cloudPort: 8154,
    pipelineSources: [],
    pollIntervalMs: 10_000,
    agentLostAfterMs: 30_000,
    maxJobReschedules: 2,
    defaultJobTimeoutMinutes: 0,
    logLevel: "info",
    configMaxBytes: defaultConfigMaxBytes,
    oidcKeyRotationDays: 7,
    oidcTokenLifetimeSeconds: 600,
  };
  const fromEnv = defined<Partial<ServerOptions>>({
    dataDir: env.FAWKES_DATA_DIR || undefined,
    database: env.FAWKES_DATABASE_URL || undefined,
    host: env.FAWKES_HOST || undefined,
    port: intFrom(env, "FAWKES_PORT"),
    cloudPort: intFrom(env, "FAWKES_CLOUD_PORT"),
    pollIntervalMs: intFrom(env, "FAWKES_POLL_INTERVAL_MS"),
    agentLostAfterMs: intFrom(env, "FAWKES_AGENT_LOST_AFTER_MS"),
    logLevel: env.FAWKES_LOG_LEVEL || undefined,
    configMaxBytes: intFrom(env, "FAWKES_CONFIG_MAX_BYTES"),
    publicUrl: env.FAWKES_PUBLIC_URL || undefined,
    oidcKeyRotationDays: intFrom(env, "FAWKES_OIDC_KEY_ROTATION_DAYS"),
    oidcTokenLifetimeSeconds: intFrom(env, "FAWKES_OIDC_TOKEN_LIFETIME"),
  });
  const merged: ServerOptions = { ...defaults, ...fromEnv, ...defined(raw) };
  if (merged.database !== undefined && !/^postgres(ql)?:\/\/[^/]/i.test(merged.database))
    throw new Error("the database must be a postgres:// URL (leave it unset for the embedded SQLite store)");
  if (merged.port > 65535) throw new Error(`port must be at most 65535, got ${merged.port}`);
  if (!Number.isInteger(merged.configMaxBytes) || merged.configMaxBytes < 1)
    throw new Error(`the config file size limit must be a positive integer, got ${merged.configMaxBytes}`);
  if (merged.publicUrl !== undefined) merged.publicUrl = publicUrlOf(merged.publicUrl);
  if (!Number.isInteger(merged.oidcKeyRotationDays) || merged.oidcKeyRotationDays < 1)
    throw new Error(`the OIDC key rotation period must be at least 1 day, got ${merged.oidcKeyRotationDays}`);
  if (
    !Number.isInteger(merged.oidcTokenLifetimeSeconds) ||
    merged.oidcTokenLifetimeSeconds < 60 ||
    merged.oidcTokenLifetimeSeconds > 3600
  )
    throw new Error(
      `the OIDC token lifetime must be 60–3600 seconds, got ${merged.oidcTokenLifetimeSeconds}`,
    );
  return Object.freeze({
    ...merged,
    dataDir: path.resolve(merged.dataDir),
    pipelineSources: Object.freeze(merged.pipelineSources.map((source) => resolveSource(source))) as string[],
  });
}

/** Local paths become absolute; URLs stay as given. */
function resolveSource(source: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source) || /^[^/]+@[^/]+:/.test(source)) return source;
  return path.resolve(source);
}

/** An http(s) URL with no query, fragment or credentials; the trailing slash is dropped (it is the OIDC issuer). */
function publicUrlOf(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`the public URL must be an absolute http(s) URL, got "${value}"`);
  }
  if (!/^https?:$/.test(url.protocol) || url.search !== "" || url.hash !== "" || url.username || url.password)
    throw new Error(
      `the public URL must be an http(s) URL without query, fragment or credentials, got "${value}"`,
    );
  return url.href.replace(/\/+$/, "");
}
