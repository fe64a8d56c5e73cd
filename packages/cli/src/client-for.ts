/** The API client for a command, with the server URL and token resolved (see context.ts for the order). */
import type { Command } from "commander";
import { FawkesClient } from "./client.ts";
import { nonEmpty, serverUrlOf, type GlobalOptions } from "./context.ts";
import { loadServerToken } from "./credentials.ts";
import type { CliIo } from "./io.ts";

export function clientFor(command: Command, io: CliIo): FawkesClient {
  const serverUrl = serverUrlOf(command, io);
  const globals = command.optsWithGlobals<GlobalOptions>();
  const token = globals.token ?? nonEmpty(io.env.FAWKES_TOKEN) ?? loadServerToken(serverUrl, io.env)?.token;
  return new FawkesClient({ serverUrl, token });
}
