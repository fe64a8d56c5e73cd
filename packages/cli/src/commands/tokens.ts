/**
 * `fawkes tokens create NAME [--expires 30d] [--user NAME] | list [--all|--user NAME] | revoke ID`: personal API
 * tokens. A token is shown once, at creation; the server keeps only its SHA-256.
 */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { days } from "../options.ts";
import { ago, formatTable, printJson } from "../output.ts";

export function registerTokensCommand(program: Command, { io }: CliContext): void {
  const tokens = program
    .command("tokens")
    .description("personal API tokens: create (shown once), list, revoke");

  tokens
    .command("list", { isDefault: true })
    .description("list your tokens (an administrator: --all, or --user NAME)")
    .option("--all", "every user's tokens (administrators)")
    .option("--user <name>", "this user's tokens (administrators)")
    .option("--json", "print {tokens:[…]} as JSON")
    .action(async (options: { all?: boolean; user?: string; json?: boolean }, command: Command) => {
      const list = await clientFor(command, io).tokens({
        ...(options.user !== undefined && { user: options.user }),
        ...(options.all === true && { all: true }),
      });
      if (options.json) {
        printJson(io, list);
        return;
      }
      if (list.tokens.length === 0) {
        io.out("no tokens; create one with `fawkes tokens create NAME`\n");
        return;
      }
      const rows = list.tokens.map((token) => [
        token.id,
        token.name,
        token.user,
        ago(token.createdAt),
        token.expiresAt === null ? "never" : new Date(token.expiresAt).toISOString(),
        token.lastUsedAt === null ? "never" : ago(token.lastUsedAt),
      ]);
      io.out(formatTable(["id", "name", "user", "created", "expires", "last used"], rows));
    });

  tokens
    .command("create")
    .description("create a personal API token; prints it once")
    .argument("<name>", "what the token is for")
    .option("--expires <days>", "days until it expires, e.g. 30d (default: never)", days)
    .option("--user <name>", "for another user (administrators)")
    .option("--json", "print the token as JSON")
    .action(
      async (
        name: string,
        options: { expires?: number; user?: string; json?: boolean },
        command: Command,
      ) => {
        const created = await clientFor(command, io).createToken({
          name,
          ...(options.expires !== undefined && { expiresInDays: options.expires }),
          ...(options.user !== undefined && { user: options.user }),
        });
        if (options.json) {
          printJson(io, created);
          return;
        }
        io.out(
          [
            `token ${created.id} for ${created.user} (save it now: it is not shown again):`,
            `  ${created.token}`,
            `use it with FAWKES_TOKEN=… or --token …`,
            "",
          ].join("\n"),
        );
      },
    );

  tokens
    .command("revoke")
    .description("revoke a token (yours; an administrator: anyone's): refused from the next request on")
    .argument("<id>", "token id (`fawkes tokens list`)")
    .action(async (id: string, _options: object, command: Command) => {
      await clientFor(command, io).revokeToken(id);
      io.out(`revoked token ${id}\n`);
    });
}
