/**
 * `fawkes status`: the stable JSON projection that acceptance checks rely on (DESIGN.md §3) and the readable table.
 * Both list every stage of the pipeline with one state, the same words `fawkes trigger --wait` uses.
 */
import type { PipelineRunDto, PipelineStatusDto } from "@fawkes/protocol";
import { formatTable } from "./output.ts";

/**
 * A stage's state in a run: its result once it ran (`building` while it runs); `awaiting approval` when the run
 * waits for someone to approve it; `pending` for one not reached yet in a run still going; `not run` for one a
 * finished run never reached.
 */
export type StageState =
  "building" | "passed" | "failed" | "cancelled" | "awaiting approval" | "pending" | "not run";

export interface StatusJson {
  pipeline: string;
  paused: boolean;
  runs: {
    counter: number;
    label: string;
    result: string;
    stages: {
      name: string;
      /** Null for a stage that has not run in this run. */
      counter: number | null;
      /** Null for a stage that has not run in this run. */
      result: string | null;
      state: StageState;
      jobs: { name: string; state: string; result: string }[];
    }[];
  }[];
}

type StageJson = StatusJson["runs"][number]["stages"][number];

/**
 * `{pipeline, paused, runs:[{counter,label,result,stages:[{name,counter,result,state,jobs:[{name,state,result}]}]}]}`,
 * newest run first. `stageNames` are the pipeline's stages in config order (from the pipeline list): each run lists
 * every one of them, run or not, then any stage it ran that the config no longer has.
 */
export function projectStatus(status: PipelineStatusDto, stageNames: readonly string[] = []): StatusJson {
  return {
    pipeline: status.pipeline,
    paused: status.paused,
    runs: [...status.runs]
      .sort((a, b) => b.counter - a.counter)
      .map((run) => ({
        counter: run.counter,
        label: run.label,
        result: run.result,
        stages: stagesOf(run, stageNames),
      })),
  };
}

function stagesOf(run: PipelineRunDto, stageNames: readonly string[]): StageJson[] {
  const ran = run.stages.map((stage) => stage.name);
  const names = [...new Set([...stageNames, ...ran])];
  return names.flatMap((name): StageJson[] => {
    const runs: StageJson[] = run.stages
      .filter((stage) => stage.name === name)
      .map((stage) => ({
        name: stage.name,
        counter: stage.counter,
        result: stage.result,
        state: stage.result,
        jobs: stage.jobs.map((job) => ({ name: job.name, state: job.state, result: job.result })),
      }));
    if (run.awaitingApproval === name && run.result === "building")
      return [...runs, { name, counter: null, result: null, state: "awaiting approval", jobs: [] }];
    if (runs.length > 0) return runs;
    const state = run.result === "building" ? "pending" : "not run";
    return [{ name, counter: null, result: null, state, jobs: [] }];
  });
}

export function formatStatus(status: PipelineStatusDto, stageNames: readonly string[] = []): string {
  const flags = [
    status.archived ? "no longer configured (archived)" : "",
    status.paused ? `paused${status.pauseReason ? `: ${status.pauseReason}` : ""}` : "",
    status.locked ? "locked" : "",
  ].filter(Boolean);
  const header = `${status.pipeline} (group ${status.group})${flags.length > 0 ? ` — ${flags.join(", ")}` : ""}\n`;
  if (status.runs.length === 0) return `${header}no runs yet\n`;
  const rows = projectStatus(status, stageNames).runs.map((run) => {
    const dto = status.runs.find((candidate) => candidate.counter === run.counter);
    // A stale stage run (an earlier stage was rerun since) is the previous pass's: at the gate the run waits
    // on, it is shown as what the gate held before, not as a second state of the stage.
    const stale = new Set(dto?.stages.filter((stage) => stage.stale === true).map((stage) => stage.name));
    const gate = dto?.awaitingApproval ?? null;
    const previous = run.stages.find(
      (stage) => stage.name === gate && stage.counter !== null && stale.has(stage.name),
    );
    const stages = run.stages
      .filter((stage) => stage !== previous)
      .map((stage) => {
        const label = `${stage.name}${(stage.counter ?? 0) > 1 ? `#${stage.counter}` : ""}:${stage.state}`;
        if (stage.counter === null)
          return previous !== undefined && stage.state === "awaiting approval"
            ? `${label} (stage run ${previous.counter} ${previous.result} before rerun)`
            : label;
        return stale.has(stage.name) ? `${label} (before rerun)` : label;
      });
    return [
      String(run.counter),
      run.label,
      run.result,
      dto === undefined ? "" : `${dto.trigger.kind} by ${dto.trigger.user}`,
      stages.join(" "),
    ];
  });
  return header + formatTable(["run", "label", "result", "trigger", "stages"], rows);
}
