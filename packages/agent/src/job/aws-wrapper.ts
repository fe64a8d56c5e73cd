import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { delimiter, join } from "node:path";
import { AWS_WRAPPER_SCRIPT } from "@fawkes/protocol/aws-wrapper";

export { AWS_WRAPPER_SCRIPT };

/** Writes `<workDir>/bin/aws` when missing or outdated; returns its directory. */
export async function installAwsWrapper(workDir: string): Promise<string> {
  const bin = join(workDir, "bin");
  const file = join(bin, "aws");
  const current = await readFile(file, "utf8").catch(() => undefined);
  if (current !== AWS_WRAPPER_SCRIPT) {
    await mkdir(bin, { recursive: true });
    // Written aside and renamed: a job of another agent sharing the directory never runs half a script.
    const temp = `${file}.${process.pid}.tmp`;
    await writeFile(temp, AWS_WRAPPER_SCRIPT, { mode: 0o755 });
    await chmod(temp, 0o755);
    await rename(temp, file);
  }
  return bin;
}

/** The task environment with the wrapper first on PATH, when the job is given a cloud endpoint. */
export async function withAwsWrapper(
  workDir: string,
  env: Record<string, string>,
): Promise<Record<string, string>> {
  if (!env.AWS_ENDPOINT_URL) return env;
  const bin = await installAwsWrapper(workDir);
  return { ...env, PATH: env.PATH ? `${bin}${delimiter}${env.PATH}` : bin };
}
