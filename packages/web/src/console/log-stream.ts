/**
 * Follows a job's console log over HTTP: `GET …/console?offset=N&timestamps=true&follow=true` streams text
 * until the job completes (a completed job's log comes whole). When the stream drops before the job is done,
 * it reconnects from the start of the last incomplete line, so no byte is lost or shown twice.
 *
 * The server's `offset` counts bytes of the raw log (without timestamp prefixes), so the feed counts raw
 * bytes itself: bytes received minus one 13-byte prefix per completed line.
 */
import { LineIndex, TIMESTAMP_PREFIX_LENGTH } from "./line-index.ts";

const NEWLINE = 10;

/** Decodes chunks (UTF-8 sequences may be split between them) into a LineIndex and tracks the resume offset. */
export class ConsoleFeed {
  readonly lines: LineIndex;
  readonly timestamps: boolean;
  #decoder = new TextDecoder("utf-8");
  #connectionOffset = 0;
  #received = 0;
  #lastLineStart = 0;
  #newlines = 0;

  constructor(lines: LineIndex, options: { timestamps: boolean }) {
    this.lines = lines;
    this.timestamps = options.timestamps;
  }

  /** Raw log offset where the partial line starts: where a new connection resumes. */
  get resumeOffset(): number {
    const prefixes = this.timestamps ? TIMESTAMP_PREFIX_LENGTH * this.#newlines : 0;
    return this.#connectionOffset + this.#lastLineStart - prefixes;
  }

  /** Starts a new response: drops the partial line and returns the offset to ask for. */
  beginConnection(): number {
    const offset = this.resumeOffset;
    this.lines.dropPartialLine();
    this.#decoder = new TextDecoder("utf-8");
    this.#connectionOffset = offset;
    this.#received = 0;
    this.#lastLineStart = 0;
    this.#newlines = 0;
    return offset;
  }

  push(bytes: Uint8Array): void {
    let at = bytes.indexOf(NEWLINE);
    let last = -1;
    while (at >= 0) {
      this.#newlines++;
      last = at;
      at = bytes.indexOf(NEWLINE, at + 1);
    }
    if (last >= 0) this.#lastLineStart = this.#received + last + 1;
    this.#received += bytes.length;
    this.lines.append(this.#decoder.decode(bytes, { stream: true }));
  }

  /** The response ended: flush a trailing incomplete UTF-8 sequence (as U+FFFD). */
  end(): void {
    this.lines.append(this.#decoder.decode());
  }
}

export type FollowStatus =
  | { kind: "connecting" }
  | { kind: "streaming" }
  | { kind: "waiting"; reason: string }
  | { kind: "retrying"; reason: string; inMs: number }
  | { kind: "done" };

export interface FollowOptions {
  /** The console route of the job, without query. */
  url: string;
  feed: ConsoleFeed;
  signal: AbortSignal;
  /** After a response ended: is the job completed (so its log is final)? */
  jobCompleted(): Promise<boolean>;
  /** New text was added to `feed.lines` (callers batch their renders). */
  onData(): void;
  onStatus(status: FollowStatus): void;
  /** Resolves after `ms`, or earlier when something changed (a run event). @default a plain timer */
  pause?(ms: number, signal: AbortSignal): Promise<void>;
  fetch?: typeof fetch;
  /** Delay before reconnect attempt `n` (1-based). @default 250 ms doubling up to 5 s */
  retryDelayMs?(attempt: number): number;
}

/** Runs until the job's log is complete or `signal` aborts; never throws. */
export async function followConsole(options: FollowOptions): Promise<void> {
  const doFetch = options.fetch ?? fetch;
  const pause = options.pause ?? sleep;
  const delayOf = options.retryDelayMs ?? ((n: number) => Math.min(5000, 250 * 2 ** (n - 1)));
  const { feed, signal } = options;
  let attempt = 0;
  while (!signal.aborted) {
    const offset = feed.beginConnection();
    options.onStatus({ kind: "connecting" });
    let reason: string;
    try {
      const query = `offset=${offset}&timestamps=${feed.timestamps}&follow=true`;
      const response = await doFetch(`${options.url}?${query}`, {
        credentials: "same-origin",
        cache: "no-store",
        signal,
      });
      if (response.status === 404) {
        await response.body?.cancel();
        options.onStatus({ kind: "waiting", reason: "the job has not started yet" });
        await pause(5000, signal);
        continue;
      }
      if (!response.ok || !response.body) throw new Error(`the server answered ${response.status}`);
      options.onStatus({ kind: "streaming" });
      const reader = response.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        feed.push(value);
        attempt = 0;
        options.onData();
      }
      feed.end();
      options.onData();
      if (await options.jobCompleted()) {
        options.onStatus({ kind: "done" });
        return;
      }
      reason = "the log stream ended before the job completed";
    } catch (error) {
      if (signal.aborted) return;
      reason = error instanceof Error ? error.message : String(error);
    }
    attempt++;
    const inMs = delayOf(attempt);
    options.onStatus({ kind: "retrying", reason, inMs });
    await pause(inMs, signal);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
