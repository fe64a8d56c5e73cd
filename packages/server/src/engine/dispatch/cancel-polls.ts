/** The long polls (`wait-cancel`) an agent holds while it runs a job, answered as soon as the job is cancelled. */
import type { Clock } from "../clock.ts";

export class CancelPolls {
  readonly #polls = new Map<number, Set<() => void>>();
  readonly #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Resolves with `isCancelled()` once woken for the job, when `waitMs` passes, or when `signal` aborts. */
  hold(
    jobRunId: number,
    waitMs: number,
    signal: AbortSignal,
    isCancelled: () => Promise<boolean>,
  ): Promise<boolean> {
    return new Promise((resolve) => {
      const set = this.#polls.get(jobRunId) ?? new Set<() => void>();
      this.#polls.set(jobRunId, set);
      const done = (): void => {
        cancelTimer();
        set.delete(wake);
        if (set.size === 0) this.#polls.delete(jobRunId);
        signal.removeEventListener("abort", done);
        void isCancelled().then(resolve, () => resolve(false));
      };
      const wake = (): void => done();
      set.add(wake);
      const cancelTimer = this.#clock.after(waitMs, done);
      signal.addEventListener("abort", done, { once: true });
    });
  }

  /** Answers the polls held for the job (it was cancelled or completed). */
  wake(jobRunId: number): void {
    for (const wake of this.#polls.get(jobRunId) ?? []) wake();
  }

  /** Answers every poll (the server stops). */
  wakeAll(): void {
    for (const set of this.#polls.values()) for (const wake of set) wake();
  }
}
