import { ErrorCode, FawkesError } from "@fawkes/protocol";
import { lsRemote } from "./git.ts";
import { redactUrl } from "./redact.ts";
import { normalizeRepoUrl } from "./url-match.ts";

/** A git material to watch. */
export interface WatchedMaterial {
  fingerprint: string;
  url: string;
  branch: string;
  /** Poll `git ls-remote` this often (±10% jitter); 0 = never poll, only webhooks/notify. @default 10000 */
  pollIntervalMs?: number;
  /** The last revision already acted on (e.g. from the database), so a restart does not retrigger it. */
  knownRevision?: string | null;
}

export interface MaterialLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface MaterialWatcherOptions {
  /** Called when a material's branch points to a new sha. A throw is recorded and the revision retried. */
  onRevision: (fingerprint: string, sha: string) => void | Promise<void>;
  logger: MaterialLogger;
  /** @default 4 */
  maxParallelChecks?: number;
  /** Poll interval for materials that give none. @default 10000 */
  defaultPollIntervalMs?: number;
  /** Limit of one `git ls-remote`. @default 30000 */
  checkTimeoutMs?: number;
  /** How to read a branch's head; `git ls-remote` unless replaced. */
  lsRemote?: (url: string, branch: string) => Promise<string | null>;
  /** A push notification named this material, before its check starts. */
  onNotified?: (material: WatchedMaterial) => void;
}

interface Waiter {
  resolve: (sha: string | null) => void;
  reject: (error: unknown) => void;
}

interface MaterialState {
  material: WatchedMaterial;
  pollIntervalMs: number;
  /** normalizeRepoUrl(material.url), computed once: notifyUrl compares against every watched material. */
  repoKey: string;
  known: string | null;
  lastError: string | null;
  /** idle → queued (waiting for a slot) → running → idle. */
  phase: "idle" | "queued" | "running";
  /** A check was asked for while one ran: exactly one more runs after it. */
  rerun: boolean;
  waiters: Waiter[];
  rerunWaiters: Waiter[];
  timer: NodeJS.Timeout | null;
  removed: boolean;
}

/**
 * Watches git materials for new commits: on a webhook or notify (`notifyUrl`) at once, otherwise by polling.
 * Never runs two checks of one material at a time, nor more than `maxParallelChecks` overall.
 */
export class MaterialWatcher {
  readonly #options: Required<Omit<MaterialWatcherOptions, "lsRemote" | "onNotified">>;
  readonly #onNotified: (material: WatchedMaterial) => void;
  readonly #lsRemote: (url: string, branch: string) => Promise<string | null>;
  readonly #states = new Map<string, MaterialState>();
  /** setKnown() for materials not (yet) watched: picked up by watch(). */
  readonly #seeded = new Map<string, string>();
  readonly #queue: MaterialState[] = [];
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(options: MaterialWatcherOptions) {
    this.#options = {
      onRevision: options.onRevision,
      logger: options.logger,
      maxParallelChecks: options.maxParallelChecks ?? 4,
      defaultPollIntervalMs: options.defaultPollIntervalMs ?? 10_000,
      checkTimeoutMs: options.checkTimeoutMs ?? 30_000,
    };
    const timeoutMs = this.#options.checkTimeoutMs;
    this.#lsRemote = options.lsRemote ?? ((url, branch) => lsRemote(url, branch, { timeoutMs }));
    this.#onNotified = options.onNotified ?? (() => {});
  }

  /**
   * Replaces the watched set. Materials that stay keep their state (last revision, error, timers); new ones
   * get a first check on the next turn of the event loop, so a `setKnown()` made right after still counts.
   */
  watch(materials: readonly WatchedMaterial[]): void {
    if (this.#closed) return;
    const next = new Map(materials.map((material) => [material.fingerprint, material]));
    for (const [fingerprint, state] of this.#states) {
      if (next.has(fingerprint)) continue;
      state.removed = true;
      this.#clearTimer(state);
      this.#states.delete(fingerprint);
    }
    for (const material of next.values()) {
      const existing = this.#states.get(material.fingerprint);
      const pollIntervalMs = material.pollIntervalMs ?? this.#options.defaultPollIntervalMs;
      if (existing) {
        const intervalChanged = existing.pollIntervalMs !== pollIntervalMs;
        existing.material = material;
        existing.pollIntervalMs = pollIntervalMs;
        existing.repoKey = normalizeRepoUrl(material.url);
        if (material.knownRevision) existing.known = material.knownRevision;
        if (intervalChanged && existing.phase === "idle") this.#schedulePoll(existing);
        continue;
      }
      const state: MaterialState = {
        material,
        pollIntervalMs,
        repoKey: normalizeRepoUrl(material.url),
        known: material.knownRevision ?? this.#seeded.get(material.fingerprint) ?? null,
        lastError: null,
        phase: "idle",
        rerun: false,
        waiters: [],
        rerunWaiters: [],
        timer: null,
        removed: false,
      };
      this.#seeded.delete(material.fingerprint);
      this.#states.set(material.fingerprint, state);
      setImmediate(() => {
        if (!state.removed && !this.#closed) this.#request(state).catch(() => {});
      });
    }
  }

  /** Records the revision already acted on, so finding it again does not call onRevision. */
  setKnown(fingerprint: string, sha: string): void {
    const state = this.#states.get(fingerprint);
    if (state) state.known = sha;
    else this.#seeded.set(fingerprint, sha);
  }

  /** The last revision seen (or seeded) for a material; null when none yet. */
  known(fingerprint: string): string | null {
    return this.#states.get(fingerprint)?.known ?? this.#seeded.get(fingerprint) ?? null;
  }

  /** The error of the material's last check (credentials redacted); null when it succeeded. */
  lastError(fingerprint: string): string | null {
    return this.#states.get(fingerprint)?.lastError ?? null;
  }

  /**
   * Checks a material now and resolves with the branch's sha (null when the branch is missing). If a check
   * is already running, one more runs after it and this resolves with that one. Rejects when the check fails.
   */
  checkNow(fingerprint: string): Promise<string | null> {
    const state = this.#states.get(fingerprint);
    if (!state) {
      return Promise.reject(
        new FawkesError(ErrorCode.materialNotFound, `material ${fingerprint} is not watched`),
      );
    }
    return this.#request(state);
  }

  /**
   * Checks now every watched material of this repository (compared with sameRepo's rules), restricted to
   * `branch` when given. Returns how many materials matched; the checks run in the background.
   */
  notifyUrl(url: string, branch?: string | null): number {
    const repoKey = normalizeRepoUrl(url);
    let matched = 0;
    for (const state of this.#states.values()) {
      if (state.repoKey !== repoKey) continue;
      if (branch !== undefined && branch !== null && state.material.branch !== branch) continue;
      matched++;
      this.#onNotified(state.material);
      this.#request(state).catch(() => {});
    }
    return matched;
  }

  /** Stops polling, drops queued checks and waits for running ones to end. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const state of this.#states.values()) this.#clearTimer(state);
    for (const state of this.#queue.splice(0)) this.#settle(state.waiters.splice(0), { sha: state.known });
    await Promise.all(this.#running);
  }

  #request(state: MaterialState): Promise<string | null> {
    return new Promise((resolve, reject) => {
      const waiter = { resolve, reject };
      if (this.#closed || state.removed) {
        resolve(state.known);
        return;
      }
      if (state.phase === "running") {
        state.rerun = true;
        state.rerunWaiters.push(waiter);
        return;
      }
      // A queued check has not started yet, so it will see whatever this caller wants seen.
      state.waiters.push(waiter);
      if (state.phase === "idle") this.#enqueue(state);
    });
  }

  #enqueue(state: MaterialState): void {
    state.phase = "queued";
    this.#clearTimer(state);
    this.#queue.push(state);
    this.#pump();
  }

  #pump(): void {
    while (this.#running.size < this.#options.maxParallelChecks && this.#queue.length > 0) {
      const state = this.#queue.shift()!;
      if (state.removed || this.#closed) {
        state.phase = "idle";
        this.#settle(state.waiters.splice(0), { sha: state.known });
        continue;
      }
      state.phase = "running";
      const waiters = state.waiters.splice(0);
      const run = this.#check(state).then((outcome) => {
        this.#running.delete(run);
        this.#afterCheck(state);
        // Settled last, so a caller of checkNow() finds the material idle (or its follow-up check queued).
        this.#settle(waiters, outcome);
      });
      this.#running.add(run);
    }
  }

  async #check(state: MaterialState): Promise<{ sha: string | null } | { error: unknown }> {
    const { url, branch } = state.material;
    try {
      const sha = await this.#lsRemote(url, branch);
      if (sha === null) {
        this.#recordError(state, `branch ${branch} not found in ${redactUrl(url)}`);
      } else {
        if (sha !== state.known && !state.removed && !this.#closed) {
          await this.#notifyRevision(state, sha);
        }
        this.#recordSuccess(state);
      }
      return { sha };
    } catch (error) {
      this.#recordError(state, error instanceof Error ? redactUrl(error.message) : String(error));
      return { error };
    }
  }

  async #notifyRevision(state: MaterialState, sha: string): Promise<void> {
    const { fingerprint, url, branch } = state.material;
    this.#options.logger.info(
      { fingerprint, url: redactUrl(url), branch, revision: sha },
      "material has new revision",
    );
    try {
      await this.#options.onRevision(fingerprint, sha);
    } catch (error) {
      // The revision stays unknown, so the next check offers it again.
      const message = error instanceof Error ? error.message : String(error);
      this.#options.logger.error(
        { fingerprint, revision: sha, err: message },
        "material revision handler failed",
      );
      throw new FawkesError(ErrorCode.internal, `handling revision ${sha} failed: ${message}`, {
        cause: error,
      });
    }
    state.known = sha;
  }

  #afterCheck(state: MaterialState): void {
    state.phase = "idle";
    if (state.rerun && !state.removed && !this.#closed) {
      state.rerun = false;
      state.waiters = state.rerunWaiters.splice(0);
      this.#enqueue(state);
    } else {
      state.rerun = false;
      this.#settle(state.rerunWaiters.splice(0), { sha: state.known });
      this.#schedulePoll(state);
    }
    this.#pump();
  }

  #schedulePoll(state: MaterialState): void {
    this.#clearTimer(state);
    if (state.pollIntervalMs <= 0 || state.removed || this.#closed) return;
    const delay = state.pollIntervalMs * (0.9 + Math.random() * 0.2);
    state.timer = setTimeout(() => {
      state.timer = null;
      this.#request(state).catch(() => {});
    }, delay);
    // Polling alone must not keep the process alive.
    state.timer.unref();
  }

  #clearTimer(state: MaterialState): void {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
  }

  /** Logs only when the error changes: an unreachable repository polled every 10 s must not flood the log. */
  #recordError(state: MaterialState, message: string): void {
    if (state.lastError !== message) {
      const { fingerprint, url, branch } = state.material;
      this.#options.logger.warn(
        { fingerprint, url: redactUrl(url), branch, err: message },
        "material unavailable",
      );
    }
    state.lastError = message;
  }

  #recordSuccess(state: MaterialState): void {
    if (state.lastError !== null) {
      const { fingerprint, url, branch } = state.material;
      this.#options.logger.info({ fingerprint, url: redactUrl(url), branch }, "material available again");
    }
    state.lastError = null;
  }

  #settle(waiters: Waiter[], outcome: { sha: string | null } | { error: unknown }): void {
    for (const waiter of waiters) {
      if ("error" in outcome) waiter.reject(outcome.error);
      else waiter.resolve(outcome.sha);
    }
  }
}
