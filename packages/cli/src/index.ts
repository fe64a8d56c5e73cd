/** The `fawkes` CLI as a library: run commands in-process (tests, scripts) and reuse its API client. */
export { createProgram, runCli } from "./program.ts";
export type { CliContext } from "./context.ts";
export type { CliIo } from "./io.ts";
export { FawkesClient } from "./client.ts";
export type { ClientOptions, ConsoleQuery, JobLocator } from "./client.ts";
export { credentialsPath, loadServerToken, normalizeServerUrl, saveServerToken } from "./credentials.ts";
export type { ServerCredentials } from "./credentials.ts";
export { SseParser, subscribeSse } from "./sse.ts";
export type { SseMessage, Subscription } from "./sse.ts";
