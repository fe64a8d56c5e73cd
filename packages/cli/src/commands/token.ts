/**
 * `fawkes token rotate`: replaces the server's API token. The old token and every web UI session stop working
 * at once; the new token is saved for this server (where `fawkes server`/`up` saved the old one) or printed once.
 */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import { serverUrlOf, type CliContext } from "../context.ts";
import { credentialsPath, loadServerToken, saveServerToken } from "../credentials.ts";
import { printJson } from "../output.ts";

export function registerTokenCommand(program: Command, { io }: CliContext): void {
  const token = program.command("token").description("manage the server's API token");
  token
    .command("rotate")
    .description("replace the API token: the old one and every web UI session stop working")
    .option("--json", "print {token} as JSON")
    .action(async (options: { json?: boolean }, command: Command) => {
      const { token: fresh } = await clientFor(command, io).rotateApiToken();
      const serverUrl = serverUrlOf(command, io);
      const saved = loadServerToken(serverUrl, io.env);
      if (saved !== undefined)
        saveServerToken(serverUrl, fresh, saved.dataDir, io.env, {
          ...(saved.cloudUrl !== undefined && { cloudUrl: saved.cloudUrl }),
        });
      if (options.json) {
        printJson(io, { token: fresh });
        return;
      }
      io.out(
        saved !== undefined
          ? `API token rotated; the new one is saved to ${credentialsPath(io.env)}\n`
          : `API token rotated; the new token (shown only now): ${fresh}\n`,
      );
    });
}
