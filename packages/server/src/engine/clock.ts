/**
 * The engine's time: what `now` is and when timers fire (the lost-agent sweep, the timeouts of work and
 * cancel long polls, heartbeat expiry). Production uses the system clock; the engine harness in tests passes a
 * clock it advances by hand, so a 30 s lost-agent bound is crossed without waiting 30 s.
 */
export interface Clock {
  /** UTC epoch milliseconds. */
  now(): number;
  /** Calls `fn` once, `ms` from now; the returned function cancels it. */
  after(ms: number, fn: () => void): () => void;
  /**
   * Calls `fn` every `ms` until cancelled. Never keeps the process alive by itself (a background sweep must not
   * hold a stopping server open).
   */
  every(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  after(ms, fn) {
    const timer = setTimeout(fn, ms);
    return () => clearTimeout(timer);
  },
  every(ms, fn) {
    const timer = setInterval(fn, ms);
    timer.unref();
    return () => clearInterval(timer);
  },
};
