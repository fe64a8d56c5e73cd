import { readFileSync, readdirSync, readlinkSync } from "node:fs";

/** The PID namespace of a host process (`pid:[4026532…]`), to find an instance's processes after its init. */
export function pidNamespaceOf(pid: number): string {
  return readlinkSync(`/proc/${pid}/ns/pid`);
}

/** Host PIDs of every process in `namespace` (from pidNamespaceOf): an instance's whole process tree. */
export function processesInNamespace(namespace: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/pid`) === namespace) pids.push(Number(entry));
    } catch {
      // exited while we looked
    }
  }
  return pids;
}

/** A process's state letter (`R`, `S`, `Z`, …); undefined once it is gone. */
export function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0];
  } catch {
    return undefined;
  }
}
