/** `fawkes server`: run the Fawkes server in the foreground until SIGINT/SIGTERM. */
import type { Command } from "commander";
import type { CliContext } from "../context.ts";
import {
  credentialsPath,
  initialAccessKeyLines,
  initialAdminLoginLines,
  saveServerToken,
} from "../credentials.ts";
import { addServerFlags, explainStartFailure, rawServerOptions } from "../server-flags.ts";
import type { ServerFlags } from "../server-flags.ts";
import { untilSignal } from "../signals.ts";

export function registerServerCommand(program: Command, { io }: CliContext): void {
  addServerFlags(
    program.command("server").description("run the Fawkes server (API, web UI, scheduler) in the foreground"),
  ).action(async (flags: ServerFlags) => {
    // Loaded lazily: client commands should not pay for the server's start-up.
    const { compileServerOptions, startServer } = await import("@fawkes/server");
    const options = compileServerOptions(rawServerOptions(flags), io.env);
    const server = await startServer(options).catch((error: unknown) => {
      throw explainStartFailure(error);
    });
    saveServerToken(server.url, server.apiToken, options.dataDir, io.env, {
      cloudUrl: server.cloudUrl,
      accessKey: server.initialAccessKey,
    });
    io.out(`fawkes server listening on ${server.url}\n`);
    io.out(`cloud endpoint (S3): ${server.cloudUrl}\n`);
    io.out(`data directory: ${options.dataDir}\n`);
    io.out(`API token saved to ${credentialsPath(io.env)} (also in ${options.dataDir}/keys/api-token)\n`);
    io.out(
      `agents register with: fawkes agent --server ${server.url} --key $(cat ${options.dataDir}/keys/agent-key)\n`,
    );
    if (server.initialAccessKey)
      io.out(initialAccessKeyLines(server.initialAccessKey, credentialsPath(io.env)).join("\n") + "\n");
    if (server.initialAdminLogin)
      io.out(initialAdminLoginLines(server.initialAdminLogin, server.url).join("\n") + "\n");
    await untilSignal();
    await server.close();
  });
}
