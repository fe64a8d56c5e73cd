/** Turns `latest` in a run address into the pipeline's newest counter. */
import { ErrorCode } from "@fawkes/protocol/constants";
import type { FawkesClient } from "./client.ts";
import { CliError } from "./errors.ts";

export async function resolveCounter(
  client: FawkesClient,
  pipeline: string,
  counter: number | "latest",
): Promise<number> {
  if (counter !== "latest") return counter;
  const status = await client.pipelineStatus(pipeline, 1);
  const newest = status.runs[0];
  if (newest === undefined) {
    throw new CliError(`pipeline ${pipeline} has no runs yet`, {
      code: ErrorCode.runNotFound,
      hint: `start one with \`fawkes trigger ${pipeline}\``,
    });
  }
  return newest.counter;
}
