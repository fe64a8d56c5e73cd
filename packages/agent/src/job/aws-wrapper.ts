import { existsSync } from "node:fs";
import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { AWS_WRAPPER_SCRIPT } from "@fawkes/protocol/aws-wrapper";

export { AWS_WRAPPER_SCRIPT };

/** This checkout's CLI, which a task runs as `fawkes` (e.g. `fawkes stack create … --wait` in a deploy job). */
const cliEntry = resolve(fileURLToPath(import.meta.url), "../../../../cli/src/main.ts");

const quote = (text: string) => `'${text.replace(/'/g, `'\\''`)}'`;

/** `fawkes` for tasks: the CLI with the Node.js running this agent; absent when the CLI is not beside it. */
export function fawkesScript(node = process.execPath, entry = cliEntry): string | undefined {
  return existsSync(entry) ? `#!/bin/sh\nexec ${quote(node)} ${quote(entry)} "$@"\n` : undefined;
}

async function installScript(bin: string, name: string, script: string): Promise<void> {
  const file = join(bin, name);
  if ((await readFile(file, "utf8").catch(() => undefined)) === script) return;
  await mkdir(bin, { recursive: true });
  // Written aside and renamed: a job of another agent sharing the directory never runs half a script.
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, script, { mode: 0o755 });
  await chmod(temp, 0o755);
  await rename(temp, file);
}

/** Writes `<workDir>/bin/aws` (and `fawkes`) when missing or outdated; returns their directory. */
export async function installAwsWrapper(workDir: string): Promise<string> {
  const bin = join(workDir, "bin");
  await installScript(bin, "aws", AWS_WRAPPER_SCRIPT);
  const fawkes = fawkesScript();
  if (fawkes !== undefined) await installScript(bin, "fawkes", fawkes);
  return bin;
}

/** The task environment with the wrappers first on PATH, when the job is given a cloud endpoint. */
export async function withAwsWrapper(
  workDir: string,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  if (!env.AWS_ENDPOINT_URL) return env;
  const bin = await installAwsWrapper(workDir);
  return { ...env, PATH: env.PATH ? `${bin}${delimiter}${env.PATH}` : bin };
}
