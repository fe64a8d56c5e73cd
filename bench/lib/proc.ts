import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Resident set size of a process in MiB (VmRSS in /proc/<pid>/status). */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) / 1024;
}

/**
 * Proportional set size in MiB (/proc/<pid>/smaps_rollup): resident memory with pages shared between
 * processes (the Node binary, ~50 MiB of every RSS here) divided among them. What a host really pays per process.
 */
export function pssMiB(pid: number): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const match = /^Pss:\s+(\d+)\s+kB/m.exec(rollup);
  if (match === null) throw new Error(`no Pss for pid ${pid}`);
  return Number(match[1]) / 1024;
}

const clockTicks = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) a process has used so far, in milliseconds (/proc/<pid>/stat utime + stime). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may itself contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / clockTicks;
}

/**
 * CPU time of a process and its direct children, in milliseconds: PostgreSQL's postmaster and its backends,
 * checkpointer and WAL writer. A child that exited was reaped by the process: its time is in the process's own
 * cutime + cstime, so a backend ending between two readings does not make the difference negative.
 */
export function processTreeCpuMs(pid: number): number {
  let total = cpuMs(pid) + reapedChildrenCpuMs(pid);
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited while we looked
    }
    const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (parent === pid) total += cpuMs(Number(entry));
  }
  return total;
}

/** cutime + cstime of a process (/proc/<pid>/stat): CPU of the children it has waited for, in milliseconds. */
function reapedChildrenCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return ((Number(fields[13]) + Number(fields[14])) * 1000) / clockTicks;
}

export function machineInfo(): { nproc: number; cpu: string; loadavg: string; node: string; git: string } {
  const cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
  return {
    nproc: Number(execFileSync("nproc", { encoding: "utf8" }).trim()),
    cpu: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? "unknown",
    loadavg: readFileSync("/proc/loadavg", "utf8").trim(),
    node: process.version,
    git: execFileSync("git", ["--version"], { encoding: "utf8" }).trim(),
  };
}
