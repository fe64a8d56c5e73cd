/** `fawkes logs PIPELINE/COUNTER/STAGE[/STAGE_COUNTER]/JOB [--follow] [--no-timestamps]`: a job's console log. */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { parseJobLocator } from "../locators.ts";
import { resolveCounter } from "../resolve-run.ts";

export function registerLogsCommand(program: Command, { io }: CliContext): void {
  program
    .command("logs")
    .description("print a job's console log (the latest stage run unless STAGE_COUNTER is given)")
    .argument("<locator>", "PIPELINE/COUNTER/STAGE[/STAGE_COUNTER]/JOB (COUNTER may be `latest`)")
    .option("-f, --follow", "keep streaming until the job completes")
    .option("--no-timestamps", "print lines without their timestamps")
    .action(async (locator: string, options: { follow?: boolean; timestamps: boolean }, command: Command) => {
      const target = parseJobLocator(locator);
      const client = clientFor(command, io);
      const counter = await resolveCounter(client, target.pipeline, target.counter);
      const body = await client.console(
        { ...target, counter },
        {
          stageCounter: target.stageCounter,
          timestamps: options.timestamps,
          follow: options.follow === true,
        },
      );
      const decoder = new TextDecoder();
      for await (const chunk of body) io.out(decoder.decode(chunk, { stream: true }));
      const rest = decoder.decode();
      if (rest !== "") io.out(rest);
    });
}
