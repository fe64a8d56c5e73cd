/** Options of `waitFor`. */
export interface WaitForOptions {
  /** @default 10000 */
  timeoutMs?: number;
  /** Pause between checks. @default 50 */
  intervalMs?: number;
  /** Says what was awaited, in the timeout error. @default "condition" */
  message?: string;
  /** Stop early (e.g. the process under test exited): return a reason to fail with, or undefined. */
  abortIf?: () => string | undefined;
}

/** Thrown when a condition does not hold before its deadline. */
export class WaitTimeoutError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "WaitTimeoutError";
  }
}

/**
 * Calls `check` until it returns a value other than undefined, null or false, and returns that value. A check
 * that throws counts as "not yet"; the last error and the last value are reported if the deadline passes.
 * This waits on a condition with a deadline; it is not a fixed sleep.
 */
export async function waitFor<T>(
  check: () => T | undefined | null | false | Promise<T | undefined | null | false>,
  options: WaitForOptions = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = options.intervalMs ?? 50;
  const what = options.message ?? "condition";
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastValue: unknown;
  for (;;) {
    const aborted = options.abortIf?.();
    if (aborted !== undefined)
      throw new Error(`gave up waiting for ${what}: ${aborted}`, { cause: lastError });
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value;
      lastValue = value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    const remaining = deadline - Date.now();
    if (remaining <= 0) {
      const detail =
        lastError instanceof Error
          ? `last error: ${lastError.message}`
          : `last value: ${describe(lastValue)}`;
      throw new WaitTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what} (${detail})`, {
        cause: lastError,
      });
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(intervalMs, remaining)));
  }
}

function describe(value: unknown): string {
  try {
    const text = JSON.stringify(value);
    return text === undefined ? String(value) : text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
  } catch {
    return String(value);
  }
}
