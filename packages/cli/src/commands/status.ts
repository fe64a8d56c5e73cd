/** `fawkes status PIPELINE [--limit N] [--json]`: the newest runs with every stage (run or not) and their jobs. */
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
    .option("--json", "print {pipeline, paused, runs:[…]} (newest run first), every stage with its state")
    .action(async (pipeline: string, options: { limit: number; json?: boolean }, command: Command) => {
      const client = clientFor(command, io);
      const [status, list] = await Promise.all([
        client.pipelineStatus(pipeline, options.limit),
        client.pipelines(),
      ]);
      // The stages not run yet come from the config; a pipeline no longer configured shows the stages it ran.
      const stageNames = list.pipelines.find((candidate) => candidate.name === status.pipeline)?.stages ?? [];
      if (options.json) printJson(io, projectStatus(status, stageNames));
      else io.out(formatStatus(status, stageNames));
    });
}
