#!/usr/bin/env node
/**
 * Entry point of the `fawkes` command: `node packages/cli/src/main.ts <command>` (Node >= 24; bin/fawkes.js
 * re-execs). Two memory measures for the long-running commands, which must stay small (server ≤ 100 MB idle,
 * agent ≤ 60 MB):
 * - the compile cache keeps type-stripped, compiled modules on disk, so later starts skip the TypeScript
 *   stripper (~25 MB) and most of the start-up time;
 * - a 1 MiB young generation instead of V8's 16–32 MiB default: a server's garbage is small and short-lived.
 *   V8 reads that flag only at start, so the process replaces itself once (same PID) with the flag set.
 */
import module from "node:module";

const LONG_RUNNING = new Set(["server", "agent", "up"]);
const YOUNG_GENERATION_FLAG = "--max-semi-space-size=1";
const command = process.argv[2] ?? "";
if (
  LONG_RUNNING.has(command) &&
  !process.execArgv.some((arg) => arg.startsWith("--max-semi-space-size")) &&
  typeof process.execve === "function"
) {
  process.execve(
    process.execPath,
    [process.execPath, YOUNG_GENERATION_FLAG, ...process.execArgv, ...process.argv.slice(1)],
    process.env,
  );
}

module.enableCompileCache?.();
await import("./entry.ts");
