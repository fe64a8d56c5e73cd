/**
 * A clock a test moves by hand: `now()` stands still until `advance(ms)`, which fires every timer that falls due
 * on the way, in time order, with `now()` set to each one's due time. The server's engine takes it in place of
 * the system clock (it has the same shape as the engine's `Clock`), so a test crosses a 30 s bound in no time.
 */
interface Timer {
  due: number;
  /** For `every`: the period; the timer is put back after it fires. */
  period: number | null;
  fn: () => void;
  seq: number;
}

export class ManualClock {
  #now: number;
  #seq = 0;
  readonly #timers = new Set<Timer>();

  /** @param start epoch ms to start at. @default the real time now (so stored times look like times) */
  constructor(start: number = Date.now()) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  after(ms: number, fn: () => void): () => void {
    return this.#add(ms, null, fn);
  }

  every(ms: number, fn: () => void): () => void {
    if (!(ms > 0)) throw new Error(`a repeating timer needs a positive period, got ${ms}`);
    return this.#add(ms, ms, fn);
  }

  /** Timers waiting to fire (a test can check that a poll or a sweep is armed). */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing each timer that falls due, earliest first. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new Error(`time only moves forward, got ${ms}`);
    const end = this.#now + ms;
    for (;;) {
      const next = this.#earliest();
      if (!next || next.due > end) break;
      this.#now = next.due;
      if (next.period === null) this.#timers.delete(next);
      else next.due += next.period;
      next.fn();
    }
    this.#now = end;
  }

  #add(ms: number, period: number | null, fn: () => void): () => void {
    const timer: Timer = { due: this.#now + Math.max(0, ms), period, fn, seq: this.#seq++ };
    this.#timers.add(timer);
    return () => this.#timers.delete(timer);
  }

  #earliest(): Timer | undefined {
    let best: Timer | undefined;
    for (const timer of this.#timers)
      if (!best || timer.due < best.due || (timer.due === best.due && timer.seq < best.seq)) best = timer;
    return best;
  }
}
