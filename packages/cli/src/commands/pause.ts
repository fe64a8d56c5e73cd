/** `fawkes pause PIPELINE [--reason R]` and `fawkes unpause PIPELINE`. */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";

export function registerPauseCommand(program: Command, { io }: CliContext): void {
  program
    .command("pause")
    .description("pause a pipeline: no new runs start until it is unpaused")
    .argument("<pipeline>", "pipeline name")
    .option("--reason <text>", "why, shown in status", "")
    .action(async (pipeline: string, options: { reason: string }, command: Command) => {
      await clientFor(command, io).pause(pipeline, { reason: options.reason });
      io.out(`paused ${pipeline}\n`);
    });
}

export function registerUnpauseCommand(program: Command, { io }: CliContext): void {
  program
    .command("unpause")
    .description("unpause a pipeline")
    .argument("<pipeline>", "pipeline name")
    .action(async (pipeline: string, _options: object, command: Command) => {
      await clientFor(command, io).unpause(pipeline);
      io.out(`unpaused ${pipeline}\n`);
    });
}
