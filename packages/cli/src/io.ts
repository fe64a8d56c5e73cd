/**
 * Where commands write and what they read from the process, passed in so tests can run commands in-process.
 */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** True when stdout is a terminal (live progress is redrawn in place). */
  isTty: boolean;
}

export function processIo(): CliIo {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    isTty: process.stdout.isTTY === true,
  };
}
