import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import type { CleanupScope } from "./cleanup.ts";
import { tempDir } from "./temp-dir.ts";

/**
 * A config directory (a `--pipelines` source) holding `files` (name → YAML text, e.g. "ci.gocd.yaml").
 * Returns its absolute path.
 */
export async function writePipelineDir(t: CleanupScope, files: Record<string, string>): Promise<string> {
  const dir = path.join(await tempDir(t, "fawkes-config-"), "pipelines");
  await mkdir(dir);
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  return dir;
}

/** Quote a string for YAML (JSON strings are valid YAML scalars). */
export const yamlString = (value: string): string => JSON.stringify(value);
