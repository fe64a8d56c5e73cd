#!/usr/bin/env node
/**
 * Entry point of the `fawkes` command: `node packages/cli/src/main.ts <command>` (Node >= 24; bin/fawkes.js
 * re-execs). Two memory measures for the long-running commands, which must stay small (server ≤ 100 MB idle,
 * agent ≤ 60 MB):
 * - the compile cache keeps type-stripped, compiled modules on disk, so later starts skip the TypeScript
 *   stripper (~15 MB that stays resident) and most of the start-up time;
 * - a 1 MiB young generation instead of V8's 16–32 MiB default: a server's garbage is small and short-lived.
 *   V8 reads that flag only at start, so the process replaces itself once (same PID) with the flag set, and
 *   with NODE_COMPILE_CACHE, so that even this file comes from the cache and the stripper is never loaded.
 */
import module from "node:module";

const LONG_RUNNING = new Set(["server", "agent", "up"]);
const YOUNG_GENERATION_FLAG = "--max-semi-space-size=1";
/**
 * An agent spends its life waiting on processes and sockets, and its byte-pushing runs in native code; V8's
 * optimising compilers would cost it ~9 MB of code and data for CPU it does not need (the server keeps them),
 * and a heap that favours size collects the garbage of each job instead of growing (~5 MB after 250 jobs).
 */
const AGENT_FLAGS = ["--no-opt", "--no-maglev", "--optimize-for-size"];
/**
 * The server keeps TurboFan for its hot paths (scheduling, S3 requests) but not the mid-tier Maglev compiler:
 * ~3–4 MB less resident, and server CPU per job stays within its budget (measured by `npm run bench`).
 */
const SERVER_FLAGS = ["--no-maglev"];
/** Set across the re-exec when we added NODE_COMPILE_CACHE, so that we can take it away again. */
const CACHE_MARKER = "FAWKES_ADDED_NODE_COMPILE_CACHE";
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
  // The cloud endpoint syncs every object it stores: with libuv's default 4 threads, 16 concurrent PUTs wait
  // behind 4 fsyncs (and console and artifact writes behind them). libuv reads it when its pool first starts,
  // so it stays set (agents that `fawkes up` starts inherit it; harmless).
  if (command !== "agent") env.UV_THREADPOOL_SIZE ??= "16";
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
await import("./entry.ts");
