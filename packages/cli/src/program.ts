/**
 * The `fawkes` command tree. Built per invocation with injected I/O so tests can run any command in-process.
 * Commands are passed in, so a long-running process (the agent) loads only the code of its own command.
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import type { CliContext } from "./context.ts";
import { ExitCode, formatCliError } from "./errors.ts";

/** Adds one command (with its options and action) to the program. */
export type RegisterCommand = (program: Command, context: CliContext) => void;

export function createProgram(context: CliContext, commands: readonly RegisterCommand[]): Command {
  const { io } = context;
  const program = new Command("fawkes")
    .description("Fawkes: a self-hosted continuous delivery server (GoCD-model pipelines on agents).")
    .option("--server <url>", "Fawkes server URL (default: $FAWKES_SERVER or http://127.0.0.1:8153)")
    .option(
      "--token <token>",
      "API token (default: $FAWKES_TOKEN, then the token saved by `fawkes up`/`fawkes server`)",
    )
    .version(versionText(), "-V, --version", "print the Fawkes version and the Node.js running it")
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      // Commander repeats a refused argument; a URL's password must not reach the terminal or a CI log.
      outputError: (text, write) =>
        write(
          `fawkes: ${text.replace(/^error: /, "").replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^/@\s:']*):[^/@\s']*@/gi, "$1:***@")}`,
        ),
    })
    .showHelpAfterError("(add --help for usage)")
    .showSuggestionAfterError(true);

  for (const register of commands) register(program, context);
  return program;
}

/** Runs one invocation; resolves to the process exit code (0 only on success). */
export async function runCli(
  argv: string[],
  context: CliContext,
  commands: readonly RegisterCommand[],
): Promise<number> {
  const program = createProgram(context, commands);
  try {
    await program.parseAsync(argv, { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof ExitCode) return error.exitCode;
    context.io.err(formatCliError(error));
    return 1;
  }
}

/** `fawkes 0.1.0 (Node.js v24.x.y)`: the package's version, read when asked for (it is small and local). */
function versionText(): string {
  const manifest = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return `fawkes ${manifest.version} (Node.js ${process.version})`;
}
