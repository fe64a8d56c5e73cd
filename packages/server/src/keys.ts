/**
 * Long-lived server secrets, created on first start under `<dataDir>/keys/` (mode 0600) and stable across
 * restarts: the admin API token and the two agent registration keys.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
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

export async function loadServerKeys(dataDir: string): Promise<ServerKeys> {
  const dir = path.join(dataDir, "keys");
  await mkdir(dir, { recursive: true, mode: 0o700 });
  return {
    apiToken: await loadOrCreate(dir, "api-token"),
    agentKey: await loadOrCreate(dir, "agent-key"),
    autoRegisterKey: await loadOrCreate(dir, "agent-auto-register-key"),
  };
}
