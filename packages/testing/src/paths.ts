import path from "node:path";

/** The repository root (this file is packages/testing/src/paths.ts). */
export const repoRoot = path.resolve(import.meta.dirname, "../../..");

/** The `fawkes` command's entry point, run with Node 24 (`process.execPath`). */
export const cliMain = path.join(repoRoot, "packages/cli/src/main.ts");

/**
 * PATH for processes that run jobs: Node 24's directory first, so `node` in a task is the same Node that runs
 * the tests, not the system's Node 20.
 */
export function pathWithNodeFirst(base: string | undefined = process.env.PATH): string {
  return [path.dirname(process.execPath), base ?? ""].filter((part) => part !== "").join(path.delimiter);
}
