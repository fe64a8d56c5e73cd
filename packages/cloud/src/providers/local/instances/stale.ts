import { readdir, rm } from "node:fs/promises";
import path from "node:path";

/**
 * Deletes what instances of a previous server left in `<data-dir>/instances` (a server that was killed could
 * not delete their directories; their processes and mounts died with it). Call at startup, before launching.
 * Returns the ids removed.
 */
export async function removeInstanceDirs(instancesDir: string): Promise<string[]> {
  const entries = await readdir(instancesDir).catch(() => [] as string[]);
  const stale = entries.filter((entry) => /^i-[0-9a-f]{8,17}$/.test(entry));
  for (const id of stale)
    await rm(path.join(instancesDir, id), { recursive: true, force: true, maxRetries: 5 });
  return stale;
}
