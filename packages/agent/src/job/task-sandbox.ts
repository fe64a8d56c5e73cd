import { execFile, spawn } from "node:child_process";
import { constants, readFileSync } from "node:fs";
import { access } from "node:fs/promises";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import { sleep } from "../backoff.ts";
import type { ProcessLedger } from "./leftover-processes.ts";

/**
 * How tasks are made to die with their agent, best first (chosen once, at agent start):
 * - `pid-namespace`: each job gets a PID namespace with its own /proc (util-linux `unshare --pid --fork
 *   --kill-child --mount-proc`, held by a `sleep` as its init and started through `setpriv --pdeathsig KILL`),
 *   and its tasks enter it (`nsenter`). Inside, tasks see the job's processes only, with their own pids.
 *   When the agent dies, however it dies, the kernel kills the holder, then the init, and with the init every
 *   process in the namespace: tasks, their background processes, and those that left with `setsid`. Needs
 *   CAP_SYS_ADMIN (an agent running as root).
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
  return new Promise((done) => execFile(command, args, { timeout: 5_000 }, (error) => done(error === null)));
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
 */
export async function resolveExecutable(
  command: string,
  env: Record<string, string>,
  cwd: string,
): Promise<string | undefined> {
  const executable = (path: string) =>
    access(path, constants.X_OK).then(
      () => true,
      () => false,
    );
  if (command.includes("/")) {
    const path = isAbsolute(command) ? command : resolve(cwd, command);
    return (await executable(path)) ? path : undefined;
  }
  for (const dir of (env.PATH ?? "").split(delimiter)) {
    if (dir === "") continue;
    const path = resolve(cwd, dir, command);
    if (await executable(path)) return path;
  }
  return undefined;
}

/** One job's sandbox: wraps its tasks' commands, and ends with the job. */
export class JobSandbox {
  readonly #sandboxing: TaskSandboxing;
  readonly #ledger: ProcessLedger;
  /** The namespace's holder (unshare) and init, once the first task asked for them. */
  #namespace: Promise<{ holder: number; init: number } | undefined> | undefined;

  constructor(sandboxing: TaskSandboxing, ledger: ProcessLedger) {
    this.#sandboxing = sandboxing;
    this.#ledger = ledger;
  }

  /** The command line that runs `executable args` so that it dies with the agent. */
  async wrap(
    executable: string,
    args: readonly string[],
    cwd: string,
  ): Promise<{ command: string; args: string[] }> {
    const { mechanism, tools } = this.#sandboxing;
    if (mechanism === "pid-namespace") {
      const namespace = await (this.#namespace ??= this.#startNamespace());
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

  /** Kills whatever is still in the job's namespace (after the job's process groups had their grace period). */
  async stop(): Promise<void> {
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

  async #startNamespace(): Promise<{ holder: number; init: number } | undefined> {
    const { tools } = this.#sandboxing;
    const holder = spawn(
      tools.setpriv,
      ["--pdeathsig", "KILL", "--", tools.unshare, ...namespaceArgs, "sleep", "infinity"],
      { detached: true, stdio: "ignore" },
    );
    holder.unref();
    holder.on("error", () => {});
    const pid = holder.pid;
    if (pid === undefined) return undefined;
    this.#ledger.record(pid, false);
    const deadline = Date.now() + 5_000;
    for (;;) {
      const [init] = childrenOf(pid);
      if (init !== undefined) {
        this.#ledger.record(init, false);
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
