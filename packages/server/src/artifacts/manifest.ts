/**
 * Per-job sidecar manifest, so listing gives sizes and checksums without re-hashing files.
 * Append-only JSON lines (`{"path","size","sha256"}`; the last line for a path wins): recording one more
 * artifact costs one small append instead of rewriting a manifest that grows with the job. A torn last line
 * after a crash is skipped on read. Callers serialise appends per job (rename + append under one lock), so
 * the manifest always describes the file that ended up in place.
 */
import { appendFile, readFile } from "node:fs/promises";
import { join } from "node:path";

export const MANIFEST_NAME = ".fawkes-manifest.jsonl";

export interface ArtifactFile {
  /** Relative to the job's artifact directory, `/`-separated. */
  path: string;
  size: number;
  /** Lower-case hex. */
  sha256: string;
}

export async function appendManifest(jobDir: string, file: ArtifactFile): Promise<void> {
  await appendFile(join(jobDir, MANIFEST_NAME), JSON.stringify(file) + "\n", { mode: 0o600 });
}

/** Every recorded file by path; empty when the job has no artifacts. */
export async function readManifest(jobDir: string): Promise<Map<string, ArtifactFile>> {
  let text: string;
  try {
    text = await readFile(join(jobDir, MANIFEST_NAME), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
  const files = new Map<string, ArtifactFile>();
  for (const line of text.split("\n")) {
    const file = parseLine(line);
    if (file) files.set(file.path, file);
  }
  return files;
}

function parseLine(line: string): ArtifactFile | null {
  if (line === "") return null;
  try {
    const value = JSON.parse(line) as Partial<ArtifactFile>;
    if (
      typeof value.path !== "string" ||
      typeof value.size !== "number" ||
      typeof value.sha256 !== "string"
    ) {
      return null;
    }
    return { path: value.path, size: value.size, sha256: value.sha256 };
  } catch {
    return null;
  }
}
