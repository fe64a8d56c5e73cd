/**
 * Login rate limit: failed logins per client address and per user name in a sliding window (10 a minute by
 * default). Over the limit, every login for that address or name is refused with 429 and `Retry-After` until
 * the oldest failure leaves the window — whether the password is right, and whether the user exists: the answer
 * tells an attacker nothing. Times come from the engine clock. In memory: a restart forgets (and so does a
 * second server), which bounds guessing at the limit per restart.
 */
export interface LoginLimits {
  /** Failures allowed in the window. @default 10 */
  maxFailures: number;
  /** @default 60_000 */
  windowMs: number;
}

/** At most this many addresses and names are tracked; past it the oldest entries go first. */
const MAX_KEYS = 10_000;

export class LoginLimiter {
  readonly #limits: LoginLimits;
  readonly #now: () => number;
  readonly #failures = new Map<string, number[]>();

  constructor(now: () => number, limits: LoginLimits = { maxFailures: 10, windowMs: 60_000 }) {
    this.#now = now;
    this.#limits = limits;
  }

  /** Seconds to wait before the address or the user name may try again; 0 when under the limit. */
  retryAfterSeconds(ip: string, user: string): number {
    const now = this.#now();
    const waitMs = Math.max(this.#waitMs(`ip:${ip}`, now), this.#waitMs(`user:${user.toLowerCase()}`, now));
    return waitMs > 0 ? Math.ceil(waitMs / 1000) : 0;
  }

  /** Records a failed login for the address and the user name. */
  failed(ip: string, user: string): void {
    const now = this.#now();
    for (const key of [`ip:${ip}`, `user:${user.toLowerCase()}`]) {
      const recent = this.#recent(key, now);
      recent.push(now);
      this.#failures.delete(key);
      this.#failures.set(key, recent);
    }
    while (this.#failures.size > MAX_KEYS) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
  }

  #recent(key: string, now: number): number[] {
    return (this.#failures.get(key) ?? []).filter((at) => at > now - this.#limits.windowMs);
  }

  #waitMs(key: string, now: number): number {
    const recent = this.#recent(key, now);
    if (recent.length === 0) this.#failures.delete(key);
    if (recent.length < this.#limits.maxFailures) return 0;
    // The window slides: the login may retry once enough failures have aged out of it.
    const opening = recent[recent.length - this.#limits.maxFailures]!;
    return opening + this.#limits.windowMs - now;
  }
}
