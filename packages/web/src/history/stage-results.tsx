import type { PipelineRunDto } from "@fawkes/protocol";
import { stateSymbol, stateText } from "../format/states.ts";
import { formatDuration } from "../format/time.ts";
import { latestStageRuns } from "../dashboard/shape.ts";

/** Compact per-stage results of one run with durations (the history table's cell). */
export function StageResults({ run }: { run: PipelineRunDto }) {
  // The gate's earlier stage run (stale: an earlier stage was rerun since) is not its state now: the gate is.
  const stages = [...latestStageRuns(run).values()].filter(
    (stage) => !(stage.name === run.awaitingApproval && stage.stale === true),
  );
  return (
    <ul className="stage-results">
      {stages.map((stage) => (
        <li key={stage.name} className={`stage-result state-${stage.result}`} data-state={stage.result}>
          <span aria-hidden="true">{stateSymbol[stage.result]}</span> {stage.name}
          <span className="visually-hidden">: {stateText[stage.result]}</span>
          {stage.completedAt !== null && (
            <span className="muted"> {formatDuration(stage.completedAt - stage.scheduledAt)}</span>
          )}
        </li>
      ))}
      {run.awaitingApproval !== null && (
        <li className="stage-result state-awaiting" data-state="awaiting">
          <span aria-hidden="true">{stateSymbol.awaiting}</span> {run.awaitingApproval}
          <span className="visually-hidden">: {stateText.awaiting}</span>
        </li>
      )}
    </ul>
  );
}
