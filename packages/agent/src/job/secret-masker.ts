const mask = Buffer.from("******");

/**
 * Replaces every occurrence of any secret with `******` in a byte stream. A secret may be split across
 * chunks, so a chunk's tail is held back until more data arrives or the stream ends — but only the tail that
 * could still become a secret (the longest suffix that is a proper prefix of one), so ordinary output such as
 * `sleeping\n` before a long pause is never delayed. Works on Buffers only (Buffer.indexOf is native).
 */
export class SecretMasker {
  readonly #secrets: Buffer[];
  #held: Buffer = Buffer.alloc(0);

  constructor(secrets: string[]) {
    const unique = [...new Set(secrets.filter((secret) => secret.length > 0))];
    // Longest first so that, at one position, the longest secret wins.
    this.#secrets = unique.map((secret) => Buffer.from(secret)).sort((a, b) => b.length - a.length);
  }

  get active(): boolean {
    return this.#secrets.length > 0;
  }

  /** Masks what can be masked safely now; may return an empty buffer. */
  push(chunk: Buffer): Buffer {
    if (!this.active) return chunk;
    const data = this.#held.length === 0 ? chunk : Buffer.concat([this.#held, chunk]);
    const { output, consumed } = this.#mask(data, data.length - this.#partialSuffix(data));
    this.#held = Buffer.from(data.subarray(consumed));
    return output;
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

  /** Flushes the held-back tail (end of a task's output). */
  end(): Buffer {
    if (this.#held.length === 0) return this.#held;
    const data = this.#held;
    this.#held = Buffer.alloc(0);
    return this.#mask(data, data.length).output;
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
