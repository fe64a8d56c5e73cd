/**
 * The job a console shows, from its run (`GET …/runs/:counter`), re-fetched on that run's events.
 * `stageCounter: "latest"` picks the stage's newest run.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { ApiRoutes, apiPath, type JobRunDto, type PipelineRunDto, type StageRunDto } from "@fawkes/protocol";
import { fetchJson, useRunEvents } from "./use-run-events.ts";

export interface JobAddress {
  pipeline: string;
  counter: number;
  stage: string;
  stageCounter: number | "latest";
  job: string;
}

export function findJob(
  run: PipelineRunDto,
  address: Pick<JobAddress, "stage" | "stageCounter" | "job">,
): { stage: StageRunDto; job: JobRunDto } | undefined {
  const runs = run.stages.filter((stage) => stage.name === address.stage);
  const stage =
    address.stageCounter === "latest"
      ? runs.reduce<StageRunDto | undefined>(
          (newest, s) => (!newest || s.counter > newest.counter ? s : newest),
          undefined,
        )
      : runs.find((s) => s.counter === address.stageCounter);
  const job = stage?.jobs.find((j) => j.name === address.job);
  return stage && job ? { stage, job } : undefined;
}

export interface JobRunState {
  job: JobRunDto | undefined;
  stageCounter: number | undefined;
  error: string | undefined;
  /** Fetches the run now and answers whether the job has completed. */
  checkCompleted(): Promise<boolean>;
  /** Subscribe to "the run changed" (used to wake a waiting log stream). */
  onChange: { current: (() => void) | null };
}

export function useJobRun(address: JobAddress): JobRunState {
  const { pipeline, counter, stage, stageCounter, job } = address;
  const [state, setState] = useState<{ job?: JobRunDto; stageCounter?: number; error?: string }>({});
  const onChange = useRef<(() => void) | null>(null);
  const runUrl = apiPath(ApiRoutes.run, { name: pipeline, counter });

  const load = useCallback(async (): Promise<JobRunDto | undefined> => {
    try {
      const run = await fetchJson<PipelineRunDto>(runUrl);
      const found = findJob(run, { stage, stageCounter, job });
      setState({ job: found?.job, stageCounter: found?.stage.counter });
      return found?.job;
    } catch (error) {
      setState((previous) => ({
        ...previous,
        error: error instanceof Error ? error.message : String(error),
      }));
      return undefined;
    }
  }, [runUrl, stage, stageCounter, job]);

  useEffect(() => {
    void load();
  }, [load]);

  useRunEvents((event) => {
    if (event !== null && (event.pipeline !== pipeline || event.counter !== counter)) return;
    void load();
    onChange.current?.();
  });

  const checkCompleted = useCallback(async () => (await load())?.state === "completed", [load]);
  return { job: state.job, stageCounter: state.stageCounter, error: state.error, checkCompleted, onChange };
}
