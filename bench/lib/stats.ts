/** Summary statistics of a sample (nearest-rank percentiles: small samples, no interpolation). */
export interface Summary {
  n: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  if (samples.length === 0)
    return { n: 0, median: Number.NaN, p90: Number.NaN, min: Number.NaN, max: Number.NaN };
  const sorted = [...samples].sort((a, b) => a - b);
  return {
    n: sorted.length,
    median: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    min: sorted[0] as number,
    max: sorted[sorted.length - 1] as number,
  };
}

/** The nearest-rank `p`th percentile of unsorted samples (p99 of the scale bench's dispatch latencies). */
export function percentileOf(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  return percentile(
    [...samples].sort((a, b) => a - b),
    p,
  );
}

function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] as number;
}

/** Wall-clock epoch milliseconds with sub-millisecond resolution (comparable with `date +%s%N` on this host). */
export const nowMs = (): number => performance.timeOrigin + performance.now();

/** `date +%s%N` output (nanoseconds) → epoch milliseconds. */
export const nanosToMs = (text: string): number => Number(BigInt(text.trim()) / 1000n) / 1000;
