/** `fawkes approve PIPELINE/COUNTER/STAGE`: run a stage that waits for manual approval. */
import type { Command } from "commander";
import { clientFor } from "../client-for.ts";
import type { CliContext } from "../context.ts";
import { parseStageLocator } from "../locators.ts";
import { resolveCounter } from "../resolve-run.ts";

export function registerApproveCommand(program: Command, { io }: CliContext): void {
  program
    .command("approve")
    .description("approve a stage that waits for manual approval")
    .argument("<locator>", "PIPELINE/COUNTER/STAGE (COUNTER may be `latest`)")
    .action(async (locator: string, _options: object, command: Command) => {
      const target = parseStageLocator(locator);
      const client = clientFor(command, io);
      const counter = await resolveCounter(client, target.pipeline, target.counter);
      await client.approve(target.pipeline, counter, target.stage);
      io.out(`approved ${target.pipeline}/${counter}/${target.stage}\n`);
    });
}
