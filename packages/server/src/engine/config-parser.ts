/**
 * Parses config files in a worker thread, so that no config file can stall the API, the agent protocol or the
 * cloud endpoint. The worker is started on the first parse (`node:worker_threads` is not even loaded before)
 * and exits when idle: it costs ~10 MB while it lives, and configs change rarely. A parse that takes too long,
 * or a worker that dies (out of memory, a bug), is stopped and reported as an issue on the file it was at; the
 * other files are then parsed again without it.
 */
import type { Worker } from "node:worker_threads";
import { deepFreeze, type ConfigFileInput, type ConfigIssue, type ConfigSnapshot } from "@fawkes/core";

export interface ConfigParserOptions {
  /** Longest one parse may run (from when the worker starts it); then the worker is stopped. @default 30000 */
  timeoutMs?: number;
  /** A worker idle this long exits; the next parse starts a new one. @default 10000 */
  idleMs?: number;
  /** Heap limit of the worker (old generation), in MiB: past it the worker dies, not the server. @default 512 */
  maxHeapMb?: number;
}

/** Main thread → worker. */
export interface ParseRequest {
  id: number;
  files: ConfigFileInput[];
  maxFileBytes: number;
}

/** Worker → main thread. */
export type ParseReply =
  | { id: number; kind: "started" }
  | { id: number; kind: "file"; path: string }
  | { id: number; kind: "done"; snapshot: ConfigSnapshot }
  | { id: number; kind: "failed"; message: string };

type Attempt = { ok: true; snapshot: ConfigSnapshot } | { ok: false; file: string | null; reason: string };

/** Files blamed one after another before the parser gives up on the rest (each attempt may take a timeout). */
const MAX_ATTEMPTS = 3;

export class ConfigParser {
  readonly #timeoutMs: number;
  readonly #idleMs: number;
  readonly #maxHeapMb: number;
  #worker: Worker | null = null;
  #idleTimer: NodeJS.Timeout | undefined;
  #nextId = 1;
  /** Parses run one at a time: a worker does one thing, and blame needs to know which parse it was at. */
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;

  constructor(options: ConfigParserOptions = {}) {
    this.#timeoutMs = options.timeoutMs ?? 30_000;
    this.#idleMs = options.idleMs ?? 10_000;
    this.#maxHeapMb = options.maxHeapMb ?? 512;
  }

  /** Whether a worker is running now (for tests and memory measurements). */
  get running(): boolean {
    return this.#worker !== null;
  }

  /** {@link parseConfigFiles} of core, in the worker; never rejects for anything the files contain. */
  parse(files: readonly ConfigFileInput[], maxFileBytes: number): Promise<ConfigSnapshot> {
    const result = this.#queue.then(() => this.#parseNow(files, maxFileBytes));
    this.#queue = result.catch(() => undefined);
    return result;
  }

  /** Stops the worker; later parses are refused. */
  close(): void {
    this.#closed = true;
    this.#stopWorker();
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
    const worker = this.#ensureWorker();
    const id = this.#nextId++;
    return new Promise<Attempt>((resolve) => {
      let file: string | null = null;
      const finish = (outcome: Attempt): void => {
        clearTimeout(deadline);
        worker.off("message", onMessage);
        worker.off("error", onError);
        worker.off("exit", onExit);
        if (!outcome.ok) this.#stopWorker();
        resolve(outcome);
      };
      const expire = (): void =>
        finish({ ok: false, file, reason: `parsing took longer than ${this.#timeoutMs} ms` });
      // Armed now for a worker that never starts, and again when it starts: loading the parser is not parsing.
      let deadline = setTimeout(expire, this.#timeoutMs);
      const onMessage = (reply: ParseReply): void => {
        if (reply.id !== id) return;
        if (reply.kind === "started") {
          clearTimeout(deadline);
          deadline = setTimeout(expire, this.#timeoutMs);
        } else if (reply.kind === "file") file = reply.path;
        else if (reply.kind === "done") finish({ ok: true, snapshot: reply.snapshot });
        else finish({ ok: false, file, reason: `the parser failed: ${reply.message}` });
      };
      const onError = (error: Error & { code?: string }): void =>
        finish({
          ok: false,
          file,
          reason:
            error.code === "ERR_WORKER_OUT_OF_MEMORY"
              ? `the parser ran out of memory (${this.#maxHeapMb} MiB)`
              : `the parser failed: ${error.message}`,
        });
      const onExit = (code: number): void =>
        finish({ ok: false, file, reason: `the parser exited with code ${code}` });
      worker.on("message", onMessage);
      worker.on("error", onError);
      worker.on("exit", onExit);
      const request: ParseRequest = { id, files: [...files], maxFileBytes };
      worker.postMessage(request);
    });
  }

  #ensureWorker(): Worker {
    if (this.#worker !== null) return this.#worker;
    // Loaded here, not imported: a server whose config never changes after start-up gives the module back.
    const { Worker } = process.getBuiltinModule("node:worker_threads");
    const worker = new Worker(new URL("./config-parse-worker.ts", import.meta.url), {
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
      stdout: false,
      stderr: false,
    });
    // A worker is no reason to keep the process alive; a parse in flight is awaited by its caller anyway.
    worker.unref();
    worker.on("error", () => undefined);
    worker.once("exit", () => {
      if (this.#worker === worker) this.#worker = null;
    });
    this.#worker = worker;
    return worker;
  }

  #scheduleIdleExit(): void {
    clearTimeout(this.#idleTimer);
    this.#idleTimer = setTimeout(() => this.#stopWorker(), this.#idleMs);
    this.#idleTimer.unref();
  }

  #stopWorker(): void {
    clearTimeout(this.#idleTimer);
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) void worker.terminate();
  }
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
