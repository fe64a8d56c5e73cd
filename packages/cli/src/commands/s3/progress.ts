/**
 * What a set of transfers prints. Every finished file gets a line (`upload: ./a to s3://b/a`); on a terminal a
 * progress line is also kept at the bottom and redrawn in place, as awscli does:
 * `Completed 12.0 MiB/40.0 MiB (5.1 MiB/s) with 3 file(s) remaining`. Failures go to stderr.
 */
import type { CliIo } from "../../io.ts";
import { humanReadableSize } from "./format.ts";

export interface ProgressOptions {
  /** Print nothing but errors. */
  quiet: boolean;
  /** Keep the redrawn progress line (needs a terminal). */
  live: boolean;
}

const REDRAW_INTERVAL_MS = 100;

export class TransferProgress {
  private readonly io: CliIo;
  private readonly options: ProgressOptions;
  private readonly startedAt = Date.now();
  private totalBytes = 0;
  private doneBytes = 0;
  private remainingFiles = 0;
  private lastDrawAt = 0;
  private drawn = false;

  constructor(io: CliIo, options: ProgressOptions) {
    this.io = io;
    this.options = options;
  }

  /** Announces one more file of `size` bytes to transfer. */
  add(size: number): void {
    this.totalBytes += size;
    this.remainingFiles += 1;
  }

  bytes(count: number): void {
    this.doneBytes += count;
    if (Date.now() - this.lastDrawAt >= REDRAW_INTERVAL_MS) this.draw();
  }

  /** A file finished: `line` is what it did (`upload: a to s3://b/a`). */
  fileDone(line: string): void {
    this.remainingFiles = Math.max(0, this.remainingFiles - 1);
    if (!this.options.quiet) {
      this.clearLine();
      this.io.out(`${line}\n`);
    }
    this.draw();
  }

  fileFailed(line: string, unsentBytes: number): void {
    this.remainingFiles = Math.max(0, this.remainingFiles - 1);
    this.totalBytes -= unsentBytes;
    this.clearLine();
    this.io.err(`${line}\n`);
    this.draw();
  }

  /** Removes the progress line once everything has finished. */
  finish(): void {
    this.clearLine();
  }

  /** The awscli progress line. */
  summary(now = Date.now()): string {
    const seconds = Math.max((now - this.startedAt) / 1000, 0.001);
    return (
      `Completed ${humanReadableSize(this.doneBytes)}/${humanReadableSize(this.totalBytes)} ` +
      `(${humanReadableSize(this.doneBytes / seconds)}/s) with ${this.remainingFiles} file(s) remaining`
    );
  }

  private draw(): void {
    if (this.options.quiet || !this.options.live) return;
    this.lastDrawAt = Date.now();
    this.io.out(`\r${this.summary(this.lastDrawAt)}\x1b[K`);
    this.drawn = true;
  }

  private clearLine(): void {
    if (!this.drawn) return;
    this.io.out("\r\x1b[K");
    this.drawn = false;
  }
}
