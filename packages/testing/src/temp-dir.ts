import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { onCleanup, type CleanupScope } from "./cleanup.ts";

/** A fresh directory under the OS temp dir, removed when the test ends. */
export async function tempDir(t: CleanupScope, prefix = "fawkes-test-"): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  onCleanup(t, () => rm(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 50 }));
  return dir;
}
