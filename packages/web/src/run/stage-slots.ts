/** The run page's stage list (pure: tested under node:test). */
import type { PipelineRunDto, StageRunDto } from "@fawkes/protocol";

export interface StageSlot {
  name: string;
  /** Every run of the stage in this pipeline run (reruns add one each); empty for a stage that never ran. */
  runs: StageRunDto[];
}

/**
 * Every stage of the pipeline, in config order, each with its runs: a failed or cancelled run still shows the
 * stages it never reached (as the dashboard does), so the page says what did not happen. Stages that ran but
 * are no longer configured follow, so nothing that happened is hidden. `configured` is undefined until the
 * pipeline list arrived (and for a pipeline no longer in it): then only the stages that ran are shown.
 */
export function stageSlots(configured: readonly string[] | undefined, run: PipelineRunDto): StageSlot[] {
  const ran = [...new Set(run.stages.map((stage) => stage.name))];
  const names = [...(configured ?? []), ...ran.filter((name) => !(configured ?? []).includes(name))];
  if (run.awaitingApproval !== null && !names.includes(run.awaitingApproval))
    names.push(run.awaitingApproval);
  return names.map((name) => ({ name, runs: run.stages.filter((stage) => stage.name === name) }));
}
