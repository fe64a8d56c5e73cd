/** `fawkes rerun PIPELINE/COUNTER/STAGE [--job J]...`: a new stage run with the same pipeline counter. */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { parseStageLocator } from "../locators.ts";
import { collect } from "../options.ts";
import { printJson } from "../output.ts";
import { resolveCounter } from "../resolve-run.ts";

export function registerRerunCommand(program: Command, { io }: CliContext): void {
  program
    .command("rerun")
    .description("rerun a stage (all its jobs, or only some) as a new stage counter")
    .argument("<locator>", "PIPELINE/COUNTER/STAGE (COUNTER may be `latest`)")
    .option("--job <name>", "rerun only this job (repeatable)", collect, [])
    .option("--json", "print the new stage run as JSON")
    .action(async (locator: string, options: { job: string[]; json?: boolean }, command: Command) => {
      const target = parseStageLocator(locator);
      const client = clientFor(command, io);
      const counter = await resolveCounter(client, target.pipeline, target.counter);
      const response = await client.rerun(target.pipeline, counter, target.stage, { jobs: options.job });
      if (options.json) printJson(io, response);
      else io.out(`rerunning ${target.pipeline}/${counter}/${response.stage}/${response.counter}\n`);
    });
}
