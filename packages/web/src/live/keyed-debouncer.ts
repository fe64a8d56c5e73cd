/**
 * Coalesces bursts of server events: a key scheduled again before its delay passes runs once, at the end of
 * the burst (trailing edge). A job finishing emits several events for one run; the UI re-fetches it once.
 */

export interface KeyedDebouncer {
  /** Run `action` after `delayMs` unless `key` is scheduled again first (then only the latest action runs). */
  schedule(key: string, action: () => void): void;
  /** Run every pending action now (e.g. before the page hides). */
  flush(): void;
  /** Drop every pending action. */
  cancel(): void;
  readonly pending: number;
}

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const globalTimers: Timers = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createKeyedDebouncer(delayMs: number, timers: Timers = globalTimers): KeyedDebouncer {
  const pending = new Map<string, { handle: unknown; action: () => void }>();
  return {
    schedule(key, action) {
      const previous = pending.get(key);
      if (previous !== undefined) timers.clearTimeout(previous.handle);
      const handle = timers.setTimeout(() => {
        pending.delete(key);
        action();
      }, delayMs);
      pending.set(key, { handle, action });
    },
    flush() {
      const actions = [...pending.values()];
      pending.clear();
      for (const entry of actions) {
        timers.clearTimeout(entry.handle);
        entry.action();
      }
    },
    cancel() {
      for (const entry of pending.values()) timers.clearTimeout(entry.handle);
      pending.clear();
    },
    get pending() {
      return pending.size;
    },
  };
}
