/** `fawkes cancel PIPELINE/COUNTER[/STAGE]`: cancel a whole run or one stage (jobs run their `on_cancel` tasks). */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { parseRunOrStageLocator } from "../locators.ts";
import { resolveCounter } from "../resolve-run.ts";

export function registerCancelCommand(program: Command, { io }: CliContext): void {
  program
    .command("cancel")
    .description("cancel a run (every unfinished stage) or one stage")
    .argument("<locator>", "PIPELINE/COUNTER or PIPELINE/COUNTER/STAGE (COUNTER may be `latest`)")
    .action(async (locator: string, _options: object, command: Command) => {
      const target = parseRunOrStageLocator(locator);
      const client = clientFor(command, io);
      const counter = await resolveCounter(client, target.pipeline, target.counter);
      if (target.stage === undefined) await client.cancelRun(target.pipeline, counter);
      else await client.cancelStage(target.pipeline, counter, target.stage);
      io.out(
        `cancelled ${target.pipeline}/${counter}${target.stage === undefined ? "" : `/${target.stage}`}\n`,
      );
    });
}
