import type { PipelineRunDto } from "@fawkes/protocol";
import { ApiError, type ApiClient } from "./api-client.ts";
import { waitFor } from "./wait-for.ts";

export interface WaitForRunOptions {
  /** @default 30000 */
  timeoutMs?: number;
  /** @default 50 */
  intervalMs?: number;
  /** Give up early, e.g. when the server process died. */
  abortIf?: () => string | undefined;
}

/** A run is finished when it passed, failed or was cancelled. */
export const runFinished = (run: PipelineRunDto): boolean => run.result !== "building";

/**
 * Wait until run `pipeline/counter` exists and satisfies `predicate` (default: finished); returns it.
 * A run that does not exist yet (404) or a server that does not answer (restarting) counts as "not yet".
 */
export async function waitForRun(
  api: ApiClient,
  pipeline: string,
  counter: number,
  predicate: (run: PipelineRunDto) => boolean = runFinished,
  options: WaitForRunOptions = {},
): Promise<PipelineRunDto> {
  let last: PipelineRunDto | undefined;
  try {
    return await waitFor(
      async () => {
        try {
          last = await api.run(pipeline, counter);
        } catch (error) {
          if (error instanceof ApiError && error.status === 404) return undefined;
          throw error;
        }
        return predicate(last) ? last : undefined;
      },
      {
        timeoutMs: options.timeoutMs ?? 30_000,
        intervalMs: options.intervalMs ?? 50,
        message: `run ${pipeline}/${counter} to reach the expected state`,
        abortIf: options.abortIf,
      },
    );
  } catch (error) {
    const state = last === undefined ? "never seen" : summarizeRun(last);
    throw new Error(`${(error as Error).message}\nlast state of ${pipeline}/${counter}: ${state}`, {
      cause: error,
    });
  }
}

/** One line per stage and job, for assertion messages. */
export function summarizeRun(run: PipelineRunDto): string {
  const stages = run.stages.map(
    (stage) =>
      `${stage.name}#${stage.counter}=${stage.result}[${stage.jobs
        .map(
          (job) =>
            `${job.name}:${job.state}/${job.result}${job.waitingReason ? ` (${job.waitingReason})` : ""}`,
        )
        .join(", ")}]`,
  );
  const waiting = run.awaitingApproval === null ? "" : ` awaiting approval of ${run.awaitingApproval}`;
  return `#${run.counter} ${run.result}${waiting}: ${stages.join(" → ")}`;
}
