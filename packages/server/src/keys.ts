/**
 * Long-lived server secrets, created on first start under `<dataDir>/keys/` (mode 0600) and stable across
 * restarts: the admin API token and the two agent registration keys.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";

export interface ServerKeys {
  apiToken: string;
  agentKey: string;
  autoRegisterKey: string;
}

async function loadOrCreate(dir: string, name: string): Promise<string> {
  const file = path.join(dir, name);
  try {
    const value = (await readFile(file, "utf8")).trim();
    if (value) return value;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const value = randomBytes(24).toString("base64url");
  await writeFile(file, value + "\n", { mode: 0o600, flag: "w" });
  return value;
}

/**
 * A new API token, written to `keys/api-token` atomically (a temp file, mode 0600, renamed over the old one: a
 * crash leaves the old token or the new one, never half a file) and set on `keys`. The caller ends sessions.
 */
export async function rotateApiToken(dataDir: string, keys: ServerKeys): Promise<string> {
  const file = path.join(dataDir, "keys", "api-token");
  const temp = `${file}.tmp-${randomBytes(6).toString("hex")}`;
  const token = randomBytes(24).toString("base64url");
  try {
    await writeFile(temp, token + "\n", { mode: 0o600, flag: "wx" });
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  keys.apiToken = token;
  return token;
}

export async function loadServerKeys(dataDir: string): Promise<ServerKeys> {
  const dir = path.join(dataDir, "keys");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return {
    apiToken: await loadOrCreate(dir, "api-token"),
    agentKey: await loadOrCreate(dir, "agent-key"),
    autoRegisterKey: await loadOrCreate(dir, "agent-auto-register-key"),
  };
}

/**
 * The data directory's encryption key (`<dataDir>/keys/data-key`, 32 random bytes, mode 0600), created on first
 * start. It encrypts secrets the server must read back in clear, such as access keys' secrets (SigV4 needs them).
 * Losing it makes those secrets unreadable; copying it with the database is what a backup must do.
 */
export async function loadDataKey(dataDir: string): Promise<Buffer> {
  const dir = path.join(dataDir, "keys");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const file = path.join(dir, "data-key");
  try {
    const key = await readFile(file);
    if (key.length !== 32) throw new Error(`${file} must hold exactly 32 bytes, it holds ${key.length}`);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  const key = randomBytes(32);
  // `wx`: two servers starting at once on one data directory must not end up with different keys.
  try {
    await writeFile(file, key, { mode: 0o600, flag: "wx" });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return loadDataKey(dataDir);
    throw error;
  }
  return key;
}
