#!/usr/bin/env node
/**
 * Entry point of the `fawkes` command: `node packages/cli/src/main.ts <command>` (Node >= 24; bin/fawkes.js
 * starts it with the `node` package's Node 24). Two memory measures for the long-running commands, which must
 * stay small (server ≤ 100 MB idle, agent ≤ 60 MB):
 * - the compile cache keeps type-stripped, compiled modules on disk, so later starts skip the TypeScript
 *   stripper (~15 MB that stays resident) and most of the start-up time;
 * - V8 and libuv settings (./process-flags.ts) that are read only at start, so the process replaces itself once
 *   (same PID) with them set, and with NODE_COMPILE_CACHE, so that even this file comes from the cache and the
 *   stripper is never loaded.
 */
import module from "node:module";
import {
  AGENT_FLAGS,
  SERVER_FLAGS,
  SERVER_THREADPOOL_SIZE,
  YOUNG_GENERATION_FLAG,
  withServerMallocTunables,
} from "./process-flags.ts";

const LONG_RUNNING = new Set(["server", "agent", "up"]);
/** Set across the re-exec when we added NODE_COMPILE_CACHE, so that we can take it away again. */
const CACHE_MARKER = "FAWKES_ADDED_NODE_COMPILE_CACHE";
/** Set across the re-exec to the user's own GLIBC_TUNABLES ("" for none), so that we can put it back. */
const TUNABLES_MARKER = "FAWKES_USER_GLIBC_TUNABLES";
const command = process.argv[2] ?? "";

module.enableCompileCache?.();
if (
  LONG_RUNNING.has(command) &&
  !process.execArgv.some((arg) => arg.startsWith("--max-semi-space-size")) &&
  typeof process.execve === "function"
) {
  const env = { ...process.env };
  const cacheDir = module.getCompileCacheDir?.();
  if (env.NODE_COMPILE_CACHE === undefined && cacheDir !== undefined) {
    env.NODE_COMPILE_CACHE = cacheDir;
    env[CACHE_MARKER] = "1";
  }
  if (command !== "agent") {
    // libuv reads it when its pool first starts, so it stays set (agents that `fawkes up` starts inherit it;
    // harmless).
    env.UV_THREADPOOL_SIZE ??= SERVER_THREADPOOL_SIZE;
    env[TUNABLES_MARKER] = env.GLIBC_TUNABLES ?? "";
    env.GLIBC_TUNABLES = withServerMallocTunables(env.GLIBC_TUNABLES);
  }
  const flags = [YOUNG_GENERATION_FLAG, ...(command === "agent" ? AGENT_FLAGS : SERVER_FLAGS)];
  process.execve(
    process.execPath,
    [process.execPath, ...flags, ...process.execArgv, ...process.argv.slice(1)],
    env,
  );
}
if (process.env[CACHE_MARKER] !== undefined) {
  // Node read it at start-up; jobs and tools this process starts must not inherit our cache.
  delete process.env.NODE_COMPILE_CACHE;
  delete process.env[CACHE_MARKER];
}
const userTunables = process.env[TUNABLES_MARKER];
if (userTunables !== undefined) {
  // glibc read ours at start-up; the agents and jobs this process starts get the user's.
  if (userTunables === "") delete process.env.GLIBC_TUNABLES;
  else process.env.GLIBC_TUNABLES = userTunables;
  delete process.env[TUNABLES_MARKER];
}
await import("./entry.ts");
