/**
 * What the CLI prints when something goes wrong: `fawkes: <message>` and, when we know one, a hint of what to do
 * next. API problems (RFC 9457) keep their stable `code`.
 */
import type { ErrorCode } from "@fawkes/protocol";

export class CliError extends Error {
  /** Stable code from the server's problem+json, or the CLI's own for local mistakes. */
  readonly code: ErrorCode | undefined;
  /** One sentence telling the user what to try next. */
  readonly hint: string | undefined;
  /** HTTP status when the error came from the API. */
  readonly status: number | undefined;
  constructor(
    message: string,
    options: { code?: ErrorCode; hint?: string; status?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CliError";
    this.code = options.code;
    this.hint = options.hint;
    this.status = options.status;
  }
}

/**
 * The exit codes of `fawkes` (docs/cli.md, Conventions). Commander's own usage errors exit 1 too, so 2 is left
 * unused: shells and tools read 2 as "misuse", which a run waiting for approval is not.
 */
export const exitCodes = {
  ok: 0,
  failure: 1,
  /** `--wait` stopped at a stage that waits for manual approval: the run is neither passed nor failed yet. */
  awaitingApproval: 3,
} as const;

/** Ends the command with this exit code without printing anything more (e.g. a watched run failed). */
export class ExitCode extends Error {
  readonly exitCode: number;
  constructor(exitCode: number) {
    super(`exit ${exitCode}`);
    this.name = "ExitCode";
    this.exitCode = exitCode;
  }
}

/** The lines printed for an error that reached the top of the CLI. */
export function formatCliError(error: unknown): string {
  if (error instanceof CliError) {
    const code = error.code === undefined ? "" : ` [${error.code}]`;
    const hint = error.hint === undefined ? "" : `\n${error.hint}`;
    return `fawkes: ${error.message}${code}${hint}\n`;
  }
  const message = error instanceof Error ? error.message : String(error);
  return `fawkes: ${message}\n`;
}
