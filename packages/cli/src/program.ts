/**
 * The `fawkes` command tree. Built per invocation with injected I/O so tests can run any command in-process.
 */
import { Command, CommanderError } from "commander";
import { registerAgentCommand } from "./commands/agent.ts";
import { registerAgentsCommand } from "./commands/agents.ts";
import { registerApproveCommand } from "./commands/approve.ts";
import { registerCancelCommand } from "./commands/cancel.ts";
import { registerLogsCommand } from "./commands/logs.ts";
import { registerNotifyCommand } from "./commands/notify.ts";
import { registerPauseCommand, registerUnpauseCommand } from "./commands/pause.ts";
import { registerRerunCommand } from "./commands/rerun.ts";
import { registerServerCommand } from "./commands/server.ts";
import { registerStatusCommand } from "./commands/status.ts";
import { registerTriggerCommand } from "./commands/trigger.ts";
import { registerUpCommand } from "./commands/up.ts";
import { registerValidateCommand } from "./commands/validate.ts";
import type { CliContext } from "./context.ts";
import { ExitCode, formatCliError } from "./errors.ts";

export function createProgram(context: CliContext): Command {
  const { io } = context;
  const program = new Command("fawkes")
    .description("Fawkes: a self-hosted continuous delivery server (GoCD-model pipelines on agents).")
    .option("--server <url>", "Fawkes server URL (default: $FAWKES_SERVER or http://127.0.0.1:8153)")
    .option(
      "--token <token>",
      "API token (default: $FAWKES_TOKEN, then the token saved by `fawkes up`/`fawkes server`)",
    )
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.out(text),
      writeErr: (text) => io.err(text),
      outputError: (text, write) => write(`fawkes: ${text.replace(/^error: /, "")}`),
    })
    .showHelpAfterError("(add --help for usage)")
    .showSuggestionAfterError(true);

  registerUpCommand(program, context);
  registerServerCommand(program, context);
  registerAgentCommand(program, context);
  registerValidateCommand(program, context);
  registerTriggerCommand(program, context);
  registerStatusCommand(program, context);
  registerLogsCommand(program, context);
  registerPauseCommand(program, context);
  registerUnpauseCommand(program, context);
  registerApproveCommand(program, context);
  registerCancelCommand(program, context);
  registerRerunCommand(program, context);
  registerAgentsCommand(program, context);
  registerNotifyCommand(program, context);
  return program;
}

/** Runs one invocation; resolves to the process exit code (0 only on success). */
export async function runCli(argv: string[], context: CliContext): Promise<number> {
  const program = createProgram(context);
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
