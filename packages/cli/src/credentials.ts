/**
 * The CLI's memory of API tokens: `$XDG_CONFIG_HOME/fawkes/credentials.json` (default `~/.config/fawkes`), a map
 * from normalised server URL to the token `fawkes server`/`fawkes up` printed, so client commands on the same
 * machine need no `--token`, plus the server's cloud endpoint URL and the administrator access key it created on
 * its first start (shown once). Mode 0600; at most 50 entries (the oldest are dropped).
 */
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

export interface ServerCredentials {
  token: string;
  /** Data directory of the server that issued the token. */
  dataDir: string;
  /** Epoch milliseconds. */
  savedAt: number;
  /** The server's cloud endpoint (S3 …), e.g. `http://127.0.0.1:8154`. */
  cloudUrl?: string;
  /** The administrator access key the server created on its first start (shown once, kept here). */
  accessKeyId?: string;
  secretAccessKey?: string;
}

/** What a server start adds to its entry besides the API token. */
export interface CloudCredentials {
  cloudUrl?: string;
  /** Only on the data directory's first start; later saves keep the key saved then. */
  accessKey?: { accessKeyId: string; secretAccessKey: string };
}

/** The banner lines of `fawkes up`/`fawkes server` on a data directory's first start. */
export function initialAccessKeyLines(
  key: { accessKeyId: string; secretAccessKey: string },
  savedTo: string,
): string[] {
  return [
    "Administrator access key for the cloud endpoint (save it now: it is not shown again):",
    `  AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
    `  AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
    `  also saved to ${savedTo}`,
  ];
}

/** The banner lines of `fawkes up`/`fawkes server` on the start that created the first user. */
export function initialAdminLoginLines(login: { user: string; password: string }, url: string): string[] {
  return [
    "Administrator login for the web UI and `fawkes login` (shown only this once: keep the password):",
    `  user      ${login.user}`,
    `  password  ${login.password}`,
    `  at        ${url}`,
  ];
}

export const maxCredentialEntries = 50;

type Env = Record<string, string | undefined>;

export function credentialsPath(env: Env = process.env): string {
  const configHome =
    env.XDG_CONFIG_HOME !== undefined && env.XDG_CONFIG_HOME !== ""
      ? env.XDG_CONFIG_HOME
      : join(env.HOME ?? homedir(), ".config");
  return join(configHome, "fawkes", "credentials.json");
}

/** `http://localhost:8153/` and `http://127.0.0.1:8153` name the same server: one key for both. */
export function normalizeServerUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.hostname === "localhost") parsed.hostname = "127.0.0.1";
  parsed.search = "";
  parsed.hash = "";
  return parsed.toString().replace(/\/+$/, "");
}

function readAll(path: string): Record<string, ServerCredentials> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, ServerCredentials>)
      : {};
  } catch {
    // A corrupt file only costs the saved tokens; the next save rewrites it.
    return {};
  }
}

export function saveServerToken(
  url: string,
  token: string,
  dataDir: string,
  env: Env = process.env,
  cloud: CloudCredentials = {},
): void {
  const path = credentialsPath(env);
  const entries = readAll(path);
  const key = normalizeServerUrl(url);
  const previous = entries[key];
  // A restart shows no access key: keep the one saved at first start, unless another data directory took the URL.
  const accessKey =
    cloud.accessKey ??
    (previous?.dataDir === dataDir &&
    previous.accessKeyId !== undefined &&
    previous.secretAccessKey !== undefined
      ? { accessKeyId: previous.accessKeyId, secretAccessKey: previous.secretAccessKey }
      : undefined);
  entries[key] = {
    token,
    dataDir,
    savedAt: Date.now(),
    ...(cloud.cloudUrl !== undefined && { cloudUrl: cloud.cloudUrl }),
    ...accessKey,
  };
  const kept = Object.entries(entries)
    .sort(([, a], [, b]) => (b.savedAt ?? 0) - (a.savedAt ?? 0))
    .slice(0, maxCredentialEntries);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  // Write then rename so a concurrent reader never sees half a file; the temp file is 0600 from its creation.
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, `${JSON.stringify(Object.fromEntries(kept), null, 2)}\n`, { mode: 0o600 });
  chmodSync(temp, 0o600);
  renameSync(temp, path);
}

export function loadServerToken(url: string, env: Env = process.env): ServerCredentials | undefined {
  const entry = readAll(credentialsPath(env))[normalizeServerUrl(url)];
  return entry !== undefined && typeof entry.token === "string" ? entry : undefined;
}
