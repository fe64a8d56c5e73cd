import { execFile, spawn } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { withoutMetadata } from "@fawkes/protocol/imds";
import { sleep } from "../backoff.ts";
import type { ProcessLedger } from "./leftover-processes.ts";

/**
 * How tasks are made to die with their agent, best first (chosen once, at agent start):
 * - `pid-namespace`: the agent keeps one PID namespace with its own /proc (util-linux `unshare --pid --fork
 *   --kill-child --mount-proc`, started through `setpriv --pdeathsig KILL`, with a shell as its init that reaps
 *   orphans), and every task enters it (`nsenter`). Inside, tasks see only the job's processes, with their own
 *   pids. When the agent dies, however it dies, the kernel kills the holder, then the init, and with the init
 *   every process in the namespace: tasks, their background processes, and those that left with `setsid`. An
 *   agent runs one job at a time, so whatever is left in the namespace when a job ends is that job's, and is
 *   killed then. One namespace for the agent's life, not one per job: making and tearing down a mount namespace
 *   per job cost ~10 ms of every job and serialised parallel agents in the kernel. Needs CAP_SYS_ADMIN (an agent
 *   running as root).
 * - `parent-death-signal`: each task starts through `setpriv --pdeathsig KILL`: the task's own process dies
 *   with the agent; what it started in the background is killed by the next start of the agent on the same
 *   work dir (see ProcessLedger).
 * - `none`: no util-linux; only the next start of the agent cleans up.
 */
export type SandboxMechanism = "pid-namespace" | "parent-death-signal" | "none";

export interface TaskSandboxing {
  readonly mechanism: SandboxMechanism;
  readonly tools: { setpriv: string; unshare: string; nsenter: string };
}

function succeeds(command: string, args: string[]): Promise<boolean> {
  return new Promise((done) =>
    execFile(command, args, { timeout: 5_000, env: withoutMetadata(process.env) }, (error) =>
      done(error === null),
    ),
  );
}

async function findTool(name: string): Promise<string> {
  for (const dir of ["/usr/bin", "/bin", "/usr/sbin", "/sbin"]) {
    const path = join(dir, name);
    if (
      await access(path, constants.X_OK).then(
        () => true,
        () => false,
      )
    )
      return path;
  }
  return name;
}

/** Tries what this host allows (a few ms at agent start). */
export async function detectSandboxing(): Promise<TaskSandboxing> {
  const tools = {
    setpriv: await findTool("setpriv"),
    unshare: await findTool("unshare"),
    nsenter: await findTool("nsenter"),
  };
  if (process.platform !== "linux") return { mechanism: "none", tools };
  const pdeathsig = ["--pdeathsig", "KILL", "--"];
  if (
    (await succeeds(tools.setpriv, [...pdeathsig, tools.unshare, ...namespaceArgs, "true"])) &&
    (await succeeds(tools.nsenter, ["--version"]))
  )
    return { mechanism: "pid-namespace", tools };
  if (await succeeds(tools.setpriv, [...pdeathsig, "true"]))
    return { mechanism: "parent-death-signal", tools };
  return { mechanism: "none", tools };
}

/**
 * `unshare` arguments of a job's namespace: its own /proc, so that `$!`, `ps` and /proc/PID agree inside the
 * job; mounts made on the host still reach it (slave), none made by a task leaves it.
 */
const namespaceArgs = ["--pid", "--fork", "--kill-child", "--mount-proc", "--propagation", "slave", "--"];

/** The pids of a process's children (Linux 3.5+), from /proc. */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "latin1")
      .split(" ")
      .filter((part) => part.length > 0)
      .map(Number);
  } catch {
    return [];
  }
}

/**
 * The full path of `command` as `spawn` would find it (PATH of the task's environment), or undefined: checked
 * before the sandbox wraps it, so a missing command is still "could not start" rather than the wrapper's exit.
 * Synchronous on purpose: a few `access` calls take microseconds, and through the thread pool they took ~1 ms
 * of every task.
 */
export function resolveExecutable(
  command: string,
  env: Record<string, string>,
  cwd: string,
): string | undefined {
  const executable = (path: string): boolean => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    return executable(path) ? path : undefined;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = resolve(cwd, dir, command);
    if (executable(path)) return path;
  }
  return undefined;
}

/**
 * The init of the agent's namespace: a shell that keeps a child (so it has something to wait for) and so reaps
 * the orphans that are re-parented to it. `kill -1` from inside kills everything but the init, keeper included,
 * and the loop starts a new keeper.
 */
const INIT_SCRIPT = "while :; do sleep 2147483647 & wait; done";

interface Namespace {
  /** `unshare` (through setpriv): dies with the agent, and takes the init with it. */
  holder: number;
  init: number;
}

/** The agent's sandbox for its tasks' processes: wraps each task's command, and cleans up after each job. */
export class TaskSandbox {
  readonly #sandboxing: TaskSandboxing;
  readonly #ledger: ProcessLedger;
  /** Made at the first task and again if it died (it never should). */
  #namespace: Promise<Namespace | undefined> | undefined;

  constructor(sandboxing: TaskSandboxing, ledger: ProcessLedger) {
    this.#sandboxing = sandboxing;
    this.#ledger = ledger;
  }

  get mechanism(): SandboxMechanism {
    return this.#sandboxing.mechanism;
  }

  /** The command line that runs `executable args` so that it dies with the agent. */
  async wrap(
    executable: string,
    args: readonly string[],
    cwd: string,
  ): Promise<{ command: string; args: string[] }> {
    const { mechanism, tools } = this.#sandboxing;
    if (mechanism === "pid-namespace") {
      const namespace = await this.#liveNamespace();
      if (namespace) {
        // Entering the mount namespace moves to its root: --wd puts the task back in its directory.
        const enter = ["--target", String(namespace.init), "--pid", "--mount", `--wd=${cwd}`, "--"];
        return { command: tools.nsenter, args: [...enter, executable, ...args] };
      }
    }
    if (mechanism !== "none")
      return { command: tools.setpriv, args: ["--pdeathsig", "KILL", "--", executable, ...args] };
    return { command: executable, args: [...args] };
  }

  /** Records a task's process group, for the next start of the agent should this one die. */
  recordTask(pgid: number): void {
    this.#ledger.record(pgid, true);
  }

  /**
   * Kills whatever the job left in the namespace (after its process groups had their grace period): processes
   * that left their group with `setsid` are the init's children by then. Costs one /proc read when nothing is
   * left, which is the common case.
   */
  async endJob(): Promise<void> {
    const namespace = await this.#namespace;
    if (!namespace || !isLive(namespace.init) || childrenOf(namespace.init).length <= 1) return;
    const { nsenter } = this.#sandboxing.tools;
    await new Promise<void>((done) =>
      execFile(
        nsenter,
        ["--target", String(namespace.init), "--pid", "--", "kill", "-KILL", "-1"],
        { env: withoutMetadata(process.env) },
        () => done(),
      ),
    );
  }

  /** Ends the namespace and everything in it (the agent is stopping). */
  async close(): Promise<void> {
    const namespace = await this.#namespace;
    this.#namespace = undefined;
    if (!namespace) return;
    try {
      process.kill(namespace.holder, "SIGKILL");
    } catch {
      // Already gone.
    }
    // The init dies with the holder (--kill-child), and the namespace's processes with the init.
    const deadline = Date.now() + 5_000;
    while (Date.now() < deadline && isLive(namespace.init)) await sleep(5);
  }

  #liveNamespace(): Promise<Namespace | undefined> {
    const current = this.#namespace;
    if (current) {
      return current.then((namespace) => {
        if (namespace && isLive(namespace.init)) return namespace;
        if (this.#namespace === current) this.#namespace = undefined;
        return this.#liveNamespace();
      });
    }
    return (this.#namespace = this.#startNamespace());
  }

  async #startNamespace(): Promise<Namespace | undefined> {
    const { tools } = this.#sandboxing;
    const holder = spawn(
      tools.setpriv,
      ["--pdeathsig", "KILL", "--", tools.unshare, ...namespaceArgs, "/bin/sh", "-c", INIT_SCRIPT],
      // The init and its keeper are the agent's, not a job's: no metadata endpoint (tasks bring their own env).
      { detached: true, stdio: "ignore", env: withoutMetadata(process.env) },
    );
    holder.unref();
    holder.on("error", () => {});
    const pid = holder.pid;
    if (pid === undefined) return undefined;
    this.#ledger.record(pid, false, true);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const [init] = childrenOf(pid);
      if (init !== undefined) {
        this.#ledger.record(init, false, true);
        return { holder: pid, init };
      }
      if (Date.now() > deadline || holder.exitCode !== null) return undefined;
      await sleep(1);
    }
  }
}

/** Whether the process exists and is not a zombie. */
function isLive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
