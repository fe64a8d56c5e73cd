/** The `fawkes` CLI as a library: run commands in-process (tests, scripts) and reuse its API client. */
import type { Command } from "commander";
import { allCommands } from "./commands/all.ts";
import type { CliContext } from "./context.ts";
import * as program from "./program.ts";

/** The full command tree. */
export const createProgram = (context: CliContext): Command => program.createProgram(context, allCommands);
/** Runs one invocation of any command; resolves to the exit code. */
export const runCli = (argv: string[], context: CliContext): Promise<number> =>
  program.runCli(argv, context, allCommands);
export type { CliContext } from "./context.ts";
export type { CliIo } from "./io.ts";
export { FawkesClient } from "./client.ts";
export type { ClientOptions, ConsoleQuery, JobLocator } from "./client.ts";
export { credentialsPath, loadServerToken, normalizeServerUrl, saveServerToken } from "./credentials.ts";
export type { ServerCredentials } from "./credentials.ts";
export { SseParser, subscribeSse } from "./sse.ts";
export type { SseMessage, Subscription } from "./sse.ts";
