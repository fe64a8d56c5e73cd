/**
 * `fawkes status`: the stable JSON projection that acceptance checks rely on (DESIGN.md §3) and the readable table.
 */
import type { PipelineStatusDto } from "@fawkes/protocol";
import { formatTable } from "./output.ts";

export interface StatusJson {
  pipeline: string;
  paused: boolean;
  runs: {
    counter: number;
    label: string;
    result: string;
    stages: {
      name: string;
      counter: number;
      result: string;
      jobs: { name: string; state: string; result: string }[];
    }[];
  }[];
}

/** Exactly `{pipeline, paused, runs:[{counter,label,result,stages:[{name,counter,result,jobs:[{name,state,result}]}]}]}`, newest run first. */
export function projectStatus(status: PipelineStatusDto): StatusJson {
  return {
    pipeline: status.pipeline,
    paused: status.paused,
    runs: [...status.runs]
      .sort((a, b) => b.counter - a.counter)
      .map((run) => ({
        counter: run.counter,
        label: run.label,
        result: run.result,
        stages: run.stages.map((stage) => ({
          name: stage.name,
          counter: stage.counter,
          result: stage.result,
          jobs: stage.jobs.map((job) => ({ name: job.name, state: job.state, result: job.result })),
        })),
      })),
  };
}

export function formatStatus(status: PipelineStatusDto): string {
  const flags = [
    status.archived ? "no longer configured (archived)" : "",
    status.paused ? `paused${status.pauseReason ? `: ${status.pauseReason}` : ""}` : "",
    status.locked ? "locked" : "",
  ].filter(Boolean);
  const header = `${status.pipeline} (group ${status.group})${flags.length > 0 ? ` — ${flags.join(", ")}` : ""}\n`;
  if (status.runs.length === 0) return `${header}no runs yet\n`;
  const rows = projectStatus(status).runs.map((run) => {
    const dto = status.runs.find((candidate) => candidate.counter === run.counter);
    // A stale stage run (an earlier stage was rerun since) is the previous pass's: at the gate the run waits
    // on, it is shown as what the gate held before, not as a second state of the stage.
    const stale = new Set(dto?.stages.filter((stage) => stage.stale === true).map((stage) => stage.name));
    const gate = dto?.awaitingApproval ?? null;
    const stages = run.stages
      .filter((stage) => !(stage.name === gate && stale.has(stage.name)))
      .map(
        (stage) =>
          `${stage.name}${stage.counter > 1 ? `#${stage.counter}` : ""}:${stage.result}` +
          (stale.has(stage.name) ? " (before rerun)" : ""),
      );
    if (gate) {
      const previous = run.stages.find((stage) => stage.name === gate && stale.has(stage.name));
      stages.push(
        `${gate}:awaiting approval` +
          (previous ? ` (stage run ${previous.counter} ${previous.result} before rerun)` : ""),
      );
    }
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
