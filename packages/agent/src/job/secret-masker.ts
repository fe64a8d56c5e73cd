const mask = Buffer.from("******");

/**
 * Replaces every occurrence of any secret with `******` in a byte stream. A secret may be split across reads,
 * so the tail of the bytes given may be left unconsumed, for the caller to give again with what follows — but
 * only the tail that could still become a secret (the longest suffix that is a proper prefix of one), so
 * ordinary output such as `sleeping\n` before a long pause is never delayed. The masker keeps no bytes itself:
 * the console spool already holds them, and joining a held tail to the next read would copy every batch.
 * Works on Buffers only (Buffer.indexOf is native).
 */
export class SecretMasker {
  #secrets: Buffer[] = [];

  constructor(secrets: string[]) {
    this.add(secrets);
  }

  /**
   * Masks these too from now on (credentials the job receives while it runs). Bytes already masked stay as
   * they were: a value must be added before anything can print it.
   */
  add(secrets: readonly string[]): void {
    const known = new Set(this.#secrets.map((secret) => secret.toString()));
    const added = [...new Set(secrets.filter((secret) => secret.length > 0 && !known.has(secret)))];
    if (added.length === 0) return;
    // Longest first so that, at one position, the longest secret wins.
    this.#secrets = [...this.#secrets, ...added.map((secret) => Buffer.from(secret))].sort(
      (a, b) => b.length - a.length,
    );
  }

  /**
   * Masks what can be masked safely now. `consumed` bytes of `data` are done with (the output is their
   * masked form, possibly a view of `data`); the rest must come again at the start of the next call. With
   * `final`, no more bytes follow and everything is consumed.
   */
  mask(data: Buffer, final: boolean): { output: Buffer; consumed: number } {
    if (this.#secrets.length === 0) return { output: data, consumed: data.length };
    return this.#mask(data, final ? data.length : data.length - this.#partialSuffix(data));
  }

  /** Length of the longest suffix of `data` that is a proper prefix of some secret (0 if none). */
  #partialSuffix(data: Buffer): number {
    let longest = 0;
    for (const secret of this.#secrets) {
      for (let length = Math.min(secret.length - 1, data.length); length > longest; length--) {
        const start = data.length - length;
        if (data[start] === secret[0] && data.compare(secret, 0, length, start) === 0) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }

  /**
   * Replaces matches that start before `boundary`; returns the masked bytes up to `consumed` (the boundary,
   * or the end of a match that straddles it). Any match starting before the boundary lies wholly in `data`.
   */
  #mask(data: Buffer, boundary: number): { output: Buffer; consumed: number } {
    const next = this.#secrets.map((secret) => data.indexOf(secret));
    const parts: Buffer[] = [];
    let position = 0;
    for (;;) {
      let best = -1;
      let bestAt = Number.MAX_SAFE_INTEGER;
      for (let i = 0; i < next.length; i++) {
        let at = next[i]!;
        if (at !== -1 && at < position) {
          at = data.indexOf(this.#secrets[i]!, position);
          next[i] = at;
        }
        if (at !== -1 && at < bestAt) {
          best = i;
          bestAt = at;
        }
      }
      if (best === -1 || bestAt >= boundary) break;
      parts.push(data.subarray(position, bestAt), mask);
      position = bestAt + this.#secrets[best]!.length;
    }
    const consumed = Math.max(position, boundary);
    if (parts.length === 0) return { output: data.subarray(0, consumed), consumed };
    parts.push(data.subarray(position, consumed));
    return { output: Buffer.concat(parts), consumed };
  }
}
