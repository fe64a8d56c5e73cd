/**
 * Follows one pipeline run until it finishes (or, unless told otherwise, reaches a stage waiting for manual
 * approval): re-fetches the run after every event about it (and after every
 * reconnect of the event stream, since events may have been missed), renders progress, resolves with the final run.
 */
import type { PipelineRunDto } from "@fawkes/protocol";
import type { FawkesClient } from "./client.ts";
import type { CliIo } from "./io.ts";
import { ProgressRenderer, progressLines } from "./run-progress.ts";

/** A slow safety net only; events drive every update. */
const safetyRefreshMs = 15_000;

export interface WatchOptions {
  client: FawkesClient;
  io: CliIo;
  pipeline: string;
  counter: number;
  stageNames: readonly string[];
  /** Keep waiting while a stage waits for manual approval (else resolve with the run waiting there). */
  throughApprovals?: boolean;
}

/** A run that waits for someone to approve a stage: nothing more happens until then. */
export function awaitsApproval(run: PipelineRunDto): run is PipelineRunDto & { awaitingApproval: string } {
  return run.result === "building" && run.awaitingApproval !== null;
}

export function watchRun(options: WatchOptions): Promise<PipelineRunDto> {
  const { client, io, pipeline, counter } = options;
  const renderer = new ProgressRenderer(io);
  return new Promise((resolve, reject) => {
    let finished = false;
    let fetching = false;
    let again = false;

    const finish = (outcome: () => void) => {
      if (finished) return;
      finished = true;
      clearInterval(timer);
      subscription.close();
      outcome();
    };

    const refresh = async () => {
      if (finished) return;
      if (fetching) {
        again = true; // coalesce bursts of events into one more fetch
        return;
      }
      fetching = true;
      try {
        const run = await client.run(pipeline, counter);
        renderer.render(progressLines(pipeline, run, options.stageNames));
        if (run.result !== "building" || (awaitsApproval(run) && options.throughApprovals !== true))
          finish(() => resolve(run));
      } catch (error) {
        finish(() => reject(error));
      } finally {
        fetching = false;
      }
      if (again && !finished) {
        again = false;
        await refresh();
      }
    };

    const subscription = client.events({
      onOpen: () => void refresh(),
      onEvent: (event) => {
        if (event.type === "run" && event.pipeline === pipeline && event.counter === counter) void refresh();
      },
    });
    const timer = setInterval(() => void refresh(), safetyRefreshMs);
    void refresh();
  });
}
