/**
 * `fawkes notify URL [--branch B]`: tell the server a repository changed so it checks matching git materials now
 * (what a post-commit or post-receive hook calls). A local path is made absolute, as material URLs are.
 */
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { printJson } from "../output.ts";

/** URLs (`https://…`, `file://…`, `git@host:path`) pass through; an existing local path becomes absolute. */
export function materialUrlOf(argument: string, cwd = process.cwd()): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(argument) || /^[^/]+@[^/]+:/.test(argument)) return argument;
  const path = resolve(cwd, argument);
  return existsSync(path) ? path : argument;
}

export function registerNotifyCommand(program: Command, { io }: CliContext): void {
  program
    .command("notify")
    .description("make the server check the git materials with this URL now (for commit hooks)")
    .argument("<url>", "repository URL or local path, as written in the material")
    .option("--branch <branch>", "only materials on this branch")
    .option("--json", "print the server's answer as JSON")
    .action(async (url: string, options: { branch?: string; json?: boolean }, command: Command) => {
      const response = await clientFor(command, io).notify({
        url: materialUrlOf(url),
        branch: options.branch,
      });
      if (options.json) {
        printJson(io, response);
        return;
      }
      io.out(
        `${response.materials} material(s) and ${response.configSources} config source(s) are being checked\n`,
      );
      if (response.materials + response.configSources === 0) {
        io.err(
          "nothing watches that URL; it must match a material's `git:` URL (local paths are made absolute)\n",
        );
      }
    });
}
