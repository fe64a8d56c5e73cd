import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { AgentLog } from "../options.ts";

/** A process the agent started for a job: a task's group leader, or a job's PID namespace holder. */
interface Started {
  pid: number;
  /** Field 22 of /proc/PID/stat (clock ticks since boot): with the pid, names one process for ever. */
  startTime: string;
  /** Kill the whole process group (a task), or the process alone (the namespace holder). */
  group: boolean;
  /** Lives across jobs (the agent's namespace): kept when a job ends. */
  lasting?: boolean;
}

/** The start time of `pid` from /proc, or undefined when it does not exist (or this is not Linux). */
export function processStartTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    // Fields after the parenthesised command start at field 3; starttime is field 22.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * Records, in `<workDir>/processes.json`, the processes the agent starts for jobs, so that an agent restarted
 * on the same work dir after a crash (SIGKILL, OOM) kills what its previous life left running. The file is
 * rewritten on every start (a few records); when a job ends, only the agent's namespace stays in it.
 */
export class ProcessLedger {
  readonly #file: string;
  readonly #started: Started[] = [];

  constructor(workDir: string) {
    this.#file = join(workDir, "processes.json");
  }

  record(pid: number, group: boolean, lasting = false): void {
    const startTime = processStartTime(pid);
    if (startTime === undefined) return;
    this.#started.push({ pid, startTime, group, ...(lasting && { lasting }) });
    this.#write();
  }

  /** The job ended and its processes were stopped: only what lasts across jobs stays recorded. */
  clear(): void {
    const kept = this.#started.filter((started) => started.lasting === true);
    if (kept.length === this.#started.length) return;
    this.#started.splice(0, this.#started.length, ...kept);
    this.#write();
  }

  #write(): void {
    if (this.#started.length === 0) rmSync(this.#file, { force: true });
    else writeFileSync(this.#file, JSON.stringify(this.#started), { mode: 0o600 });
  }

  /**
   * Kills what a previous life of the agent recorded and is still running. A pid is never taken for another
   * process: a recorded process is killed only while /proc shows it with the recorded start time, and a group
   * whose leader is gone only while no other process has the leader's pid (Linux does not hand out a pid that
   * still names a live process group, so then the group is still ours).
   */
  killLeftovers(log: AgentLog): void {
    let records: Started[];
    try {
      records = JSON.parse(readFileSync(this.#file, "utf8")) as Started[];
    } catch {
      return;
    }
    let killed = 0;
    for (const record of records) {
      const now = processStartTime(record.pid);
      if (now !== undefined && now !== record.startTime) continue;
      if (now === undefined && !record.group) continue;
      try {
        process.kill(record.group ? -record.pid : record.pid, "SIGKILL");
        killed++;
      } catch {
        // Already gone.
      }
    }
    rmSync(this.#file, { force: true });
    if (killed > 0) log("warn", "killed processes left by a previous run of the agent", { count: killed });
  }
}
