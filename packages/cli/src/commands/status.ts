/** `fawkes status PIPELINE [--limit N] [--json]`: the newest runs with their stages and jobs. */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { positiveInt } from "../options.ts";
import { printJson } from "../output.ts";
import { formatStatus, projectStatus } from "../status-view.ts";

export function registerStatusCommand(program: Command, { io }: CliContext): void {
  program
    .command("status")
    .description("show a pipeline's newest runs, stages and jobs")
    .argument("<pipeline>", "pipeline name")
    .option("--limit <n>", "how many runs", positiveInt, 10)
    .option("--json", "print {pipeline, paused, runs:[…]} (newest run first)")
    .action(async (pipeline: string, options: { limit: number; json?: boolean }, command: Command) => {
      const status = await clientFor(command, io).pipelineStatus(pipeline, options.limit);
      if (options.json) printJson(io, projectStatus(status));
      else io.out(formatStatus(status));
    });
}
