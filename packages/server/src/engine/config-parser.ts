/**
 * Parses config files in a child process, so that no config file can stall the API, the agent protocol or the
 * cloud endpoint. The process is started on the first parse and exits when idle (configs change rarely). A
 * parse that takes too long, or a process that dies (out of memory, a bug), is stopped and reported as an issue
 * on the file it was at; the other files are then parsed again without it.
 *
 * A process rather than a worker thread: a worker thread leaves the server ~22 MB larger for good once it has
 * run (measured with the example pipeline: idle RSS 96 MB → 135 MB while it lives, 121 MB after it exits),
 * while a process gives everything back when it exits.
 */
import { fork, type ChildProcess } from "node:child_process";
import { getCompileCacheDir } from "node:module";
import { deepFreeze, type ConfigFileInput, type ConfigIssue, type ConfigSnapshot } from "@fawkes/core";
import { withoutMetadata } from "@fawkes/protocol";

export interface ConfigParserOptions {
  /** Longest one parse may run (from when the process starts it); then the process is killed. @default 30000 */
  timeoutMs?: number;
  /** Longest the process may take to start and load the parser, before a parse's own budget. @default 30000 */
  startTimeoutMs?: number;
  /** A process idle this long exits; the next parse starts a new one. @default 10000 */
  idleMs?: number;
  /** Heap limit of the process (old generation), in MiB: past it the parser dies, not the server. @default 512 */
  maxHeapMb?: number;
}

/** Server → parsing process. */
export interface ParseRequest {
  id: number;
  files: ConfigFileInput[];
  maxFileBytes: number;
}

/** Parsing process → server. */
export type ParseReply =
  | { id: number; kind: "ready" }
  | { id: number; kind: "started" }
  | { id: number; kind: "file"; path: string }
  | { id: number; kind: "done"; snapshot: ConfigSnapshot }
  | { id: number; kind: "failed"; message: string };

type Attempt = { ok: true; snapshot: ConfigSnapshot } | { ok: false; file: string | null; reason: string };

/** Files blamed one after another before the parser gives up on the rest (each attempt may take a timeout). */
const MAX_ATTEMPTS = 3;

export class ConfigParser {
  readonly #timeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #idleMs: number;
  readonly #maxHeapMb: number;
  #child: ChildProcess | null = null;
  #idleTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  /** Parses run one at a time: the process does one thing, and blame needs to know which parse it was at. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: ConfigParserOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#startTimeoutMs = options.startTimeoutMs ?? 30_000;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#maxHeapMb = options.maxHeapMb ?? 512;
  }

  /** The parsing process's pid while it runs (for tests and memory measurements). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** core's `parseConfigFiles`, in the parsing process; never rejects for anything the files contain. */
  parse(files: readonly ConfigFileInput[], maxFileBytes: number): Promise<ConfigSnapshot> {
    const result = this.#queue.then(() => this.#parseNow(files, maxFileBytes));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the parsing process; later parses are refused. */
  close(): void {
    this.#closed = true;
    this.#stopChild();
  }

  async #parseNow(files: readonly ConfigFileInput[], maxFileBytes: number): Promise<ConfigSnapshot> {
    clearTimeout(this.#idleTimer);
    const blamed: ConfigIssue[] = [];
    let remaining = files;
    try {
      for (let attempt = 1; ; attempt++) {
        const outcome = await this.#attempt(remaining, maxFileBytes);
        // Structured cloning does not keep core's freezing.
        if (outcome.ok)
          return deepFreeze({ ...outcome.snapshot, issues: [...blamed, ...outcome.snapshot.issues] });
        const culprit = outcome.file;
        if (culprit === null || attempt >= MAX_ATTEMPTS) {
          blamed.push(...remaining.map((file) => stoppedIssue(file.path, outcome.reason)));
          return deepFreeze({ pipelines: [], environments: [], issues: blamed });
        }
        blamed.push(stoppedIssue(culprit, outcome.reason));
        remaining = remaining.filter((file) => file.path !== culprit);
      }
    } finally {
      this.#scheduleIdleExit();
    }
  }

  #attempt(files: readonly ConfigFileInput[], maxFileBytes: number): Promise<Attempt> {
    if (this.#closed) return Promise.resolve({ ok: false, file: null, reason: "the server is stopping" });
    const child = this.#ensureChild();
    const id = this.#nextId++;
    return new Promise<Attempt>((resolve) => {
      let file: string | null = null;
      const finish = (outcome: Attempt): void => {
        clearTimeout(deadline);
        child.off("message", onMessage);
        child.off("error", onError);
        child.off("exit", onExit);
        if (!outcome.ok) this.#stopChild();
        resolve(outcome);
      };
      const expire = (): void =>
        finish({ ok: false, file, reason: `parsing took longer than ${this.#timeoutMs} ms` });
      // Loading the parser (a cold process on a busy machine) is not parsing: it has a budget of its own.
      let deadline = setTimeout(
        () =>
          finish({ ok: false, file, reason: `the parser did not start within ${this.#startTimeoutMs} ms` }),
        this.#startTimeoutMs,
      );
      const onMessage = (reply: ParseReply): void => {
        if (reply.id !== id) return;
        if (reply.kind === "started") {
          clearTimeout(deadline);
          deadline = setTimeout(expire, this.#timeoutMs);
        } else if (reply.kind === "file") file = reply.path;
        else if (reply.kind === "done") finish({ ok: true, snapshot: reply.snapshot });
        else if (reply.kind === "failed")
          finish({ ok: false, file, reason: `the parser failed: ${reply.message}` });
      };
      const onError = (error: Error): void =>
        finish({ ok: false, file, reason: `the parser failed: ${error.message}` });
      const onExit = (code: number | null, signal: NodeJS.Signals | null): void =>
        finish({
          ok: false,
          file,
          // V8 aborts (SIGABRT, or SIGTRAP) when the heap limit is reached.
          reason:
            signal === "SIGABRT" || signal === "SIGTRAP" || code === 134
              ? `the parser ran out of memory (${this.#maxHeapMb} MiB)`
              : `the parser exited (${signal ?? `code ${code}`})`,
        });
      child.on("message", onMessage);
      child.on("error", onError);
      child.on("exit", onExit);
      const request: ParseRequest = { id, files: [...files], maxFileBytes };
      child.send(request);
    });
  }

  #ensureChild(): ChildProcess {
    if (this.#child !== null) return this.#child;
    const child = fork(new URL("./config-parse-child.ts", import.meta.url), [], {
      // The server's own flags (young generation, compilers) and a heap limit of its own.
      execArgv: [...process.execArgv, `--max-old-space-size=${this.#maxHeapMb}`],
      // The server's compile cache (taken out of its environment for the jobs' sake), so the parser loads fast.
      env: withoutMetadata({ ...process.env, ...compileCacheEnv() }),
      serialization: "advanced",
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    // No reason to keep the server alive; a parse in flight is awaited by its caller anyway.
    child.unref();
    child.channel?.unref();
    child.on("error", () => undefined);
    child.once("exit", () => {
      if (this.#child === child) this.#child = null;
    });
    this.#child = child;
    return child;
  }

  #scheduleIdleExit(): void {
    clearTimeout(this.#idleTimer);
    // Disconnecting lets the process finish and exit by itself.
    this.#idleTimer = setTimeout(() => {
      const child = this.#child;
      this.#child = null;
      if (child?.connected) child.disconnect();
    }, this.#idleMs);
    this.#idleTimer.unref();
  }

  #stopChild(): void {
    clearTimeout(this.#idleTimer);
    const child = this.#child;
    this.#child = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
}

function compileCacheEnv(): Record<string, string> {
  const dir = getCompileCacheDir();
  return dir === undefined ? {} : { NODE_COMPILE_CACHE: dir };
}

function stoppedIssue(file: string, reason: string): ConfigIssue {
  return {
    file,
    line: 1,
    column: 1,
    message: `config parsing stopped at this file: ${reason}`,
    pipelines: [],
  };
}
