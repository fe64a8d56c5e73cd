/**
 * `fawkes login [--user NAME] [--password-stdin]`: trades a user's name and password for a personal API token
 * and saves it for this server in the CLI's credentials file, so later commands act as that user.
 */
import type { Command } from "commander";
import { FawkesClient } from "../client.ts";
import { serverUrlOf, type CliContext } from "../context.ts";
import { credentialsPath, loadServerToken, saveServerToken } from "../credentials.ts";
import { CliError } from "../errors.ts";
import { days } from "../options.ts";
import { ask, readStdinLine } from "../read-secret.ts";

export function registerLoginCommand(program: Command, { io }: CliContext): void {
  program
    .command("login")
    .description("log in with a user's name and password; the CLI keeps the personal API token it gets")
    .option("--user <name>", "user name (asked on the terminal when missing)")
    .option("--password-stdin", "read the password from the first line of stdin")
    .option("--expires <days>", "days until the token expires, e.g. 30d (default: never)", days)
    .action(
      async (options: { user?: string; passwordStdin?: boolean; expires?: number }, command: Command) => {
        const serverUrl = serverUrlOf(command, io);
        const user = options.user ?? (await ask("user: ", false)).trim();
        const password = options.passwordStdin ? await readStdinLine() : await ask("password: ", true);
        if (user === "" || password === "")
          throw new CliError("a user name and a password are needed", {
            hint: "fawkes login --user NAME --password-stdin < file",
          });
        const created = await new FawkesClient({ serverUrl, token: undefined }).login({
          user,
          password,
          tokenName: `fawkes login ${new Date().toISOString().slice(0, 10)}`,
          ...(options.expires !== undefined && { expiresInDays: options.expires }),
        });
        const saved = loadServerToken(serverUrl, io.env);
        saveServerToken(serverUrl, created.token, saved?.dataDir ?? "", io.env, {
          ...(saved?.cloudUrl !== undefined && { cloudUrl: saved.cloudUrl }),
        });
        io.out(
          `logged in to ${serverUrl} as ${created.user}; token ${created.id} saved to ${credentialsPath(io.env)}\n`,
        );
      },
    );
}
