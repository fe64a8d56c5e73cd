/**
 * How the long-running commands' Node processes run: packages/cli/src/main.ts re-execs itself with these, and
 * `npm run bench` starts its separate cloud endpoint process the same way, so that it measures what
 * `fawkes server` runs. Both memory limits must hold (server ≤ 100 MB idle, agent ≤ 60 MB).
 */

/** A 1 MiB young generation instead of V8's 16–32 MiB default: a server's garbage is small and short-lived. */
export const YOUNG_GENERATION_FLAG = "--max-semi-space-size=1";
/**
 * An agent spends its life waiting on processes and sockets, and its byte-pushing runs in native code; V8's
 * optimising compilers would cost it ~9 MB of code and data for CPU it does not need (the server keeps them),
 * and a heap that favours size collects the garbage of each job instead of growing (~5 MB after 250 jobs).
 */
export const AGENT_FLAGS = ["--no-opt", "--no-maglev", "--optimize-for-size"];
/**
 * The server keeps TurboFan for its hot paths (scheduling, S3 requests) but not the mid-tier Maglev compiler:
 * ~3–4 MB less resident, and server CPU per job stays within its budget (measured by `npm run bench`).
 */
export const SERVER_FLAGS = ["--no-maglev"];
/**
 * libuv threads for the server: the cloud endpoint syncs every object it stores, and with libuv's default 4
 * threads, 16 concurrent PUTs wait behind 4 fsyncs (and console and artifact writes behind them).
 */
export const SERVER_THREADPOOL_SIZE = "16";
/**
 * glibc's malloc for the server: a fixed 128 KiB mmap threshold. By default glibc raises the threshold each time
 * a large block is freed (up to 32 MiB), after which the large buffers of console and artifact streams come from
 * the main heap, where later small allocations pin them. Measured with the bench pipelines (8 runs each,
 * interleaved): idle RSS after the first runs, median 107.8 → 104.8 MB; after three 100 MB consoles 112–113 →
 * 107–110 MB, with the same server CPU. 64 KiB socket reads stay below it: mapping each of those kept the heap
 * compact but cost ~40 % more server CPU per 100 MB of console.
 */
export const SERVER_MALLOC_TUNABLES = "glibc.malloc.mmap_threshold=131072";

/** GLIBC_TUNABLES with ours added, unless the user set the same tunable. */
export function withServerMallocTunables(current: string | undefined): string {
  if (current === undefined || current === "") return SERVER_MALLOC_TUNABLES;
  return current.includes("glibc.malloc.mmap_threshold=") ? current : `${current}:${SERVER_MALLOC_TUNABLES}`;
}
