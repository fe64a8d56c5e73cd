import type { PipelineRunDto, StageRunDto } from "@fawkes/protocol";
import { useId } from "react";
import { commands } from "../api/commands.ts";
import { elapsed, formatDuration } from "../format/time.ts";
import { ActionButton } from "../ui/action-button.tsx";
import { StateBadge } from "../ui/state-badge.tsx";
import { CancelStageButton } from "./cancel-buttons.tsx";
import { JobRow } from "./job-row.tsx";

interface StageSectionProps {
  pipeline: string;
  counter: number;
  stage: StageRunDto;
  now: number;
  /** Only the latest run of a stage can be rerun or cancelled. */
  latest: boolean;
  /** The user may operate the pipeline, and it is still configured. */
  canOperate: boolean;
}

export function StageSection({ pipeline, counter, stage, now, latest, canOperate }: StageSectionProps) {
  const headingId = useId();
  const duration = elapsed(stage.scheduledAt, stage.completedAt, now);
  return (
    <section
      className="stage-section"
      aria-labelledby={headingId}
      data-stage={stage.name}
      data-state={stage.result}
    >
      <header className="stage-header">
        <h3 id={headingId}>
          {stage.name}
          {stage.counter > 1 && <span className="muted"> (stage run {stage.counter})</span>}
        </h3>
        <StateBadge state={stage.result} />
        {duration !== undefined && <span className="muted">{formatDuration(duration)}</span>}
        {stage.approvalType === "manual" && stage.approvedBy !== null && (
          <span className="muted">approved by {stage.approvedBy}</span>
        )}
        {stage.rerunOfCounter !== null && (
          <span className="muted">rerun of stage run {stage.rerunOfCounter}</span>
        )}
        <span className="stage-actions">
          {canOperate && latest && stage.result === "building" && (
            <CancelStageButton pipeline={pipeline} counter={counter} stage={stage.name} />
          )}
          {canOperate && latest && stage.result !== "building" && (
            <ActionButton
              action={() => commands.rerun(pipeline, counter, stage.name)}
              done={`Rerunning stage ${stage.name}`}
              label={`Rerun stage ${stage.name}`}
            >
              Rerun
            </ActionButton>
          )}
        </span>
      </header>
      <div className="table-scroll">
        <table className="data-table jobs-table">
          <caption className="visually-hidden">Jobs of stage {stage.name}</caption>
          <thead>
            <tr>
              <th scope="col">Job</th>
              <th scope="col">State</th>
              <th scope="col">Agent</th>
              <th scope="col">Duration</th>
              <th scope="col">Waiting because</th>
            </tr>
          </thead>
          <tbody>
            {stage.jobs.map((job) => (
              <JobRow
                key={job.name}
                pipeline={pipeline}
                counter={counter}
                stage={stage.name}
                stageCounter={stage.counter}
                job={job}
                now={now}
              />
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** Why a stage has no run in this pipeline run, in words beside its "Not run" badge. */
function notRunReason(runResult: PipelineRunDto["result"]): string | undefined {
  if (runResult === "building") return "waits for the stages before it";
  if (runResult === "failed") return "an earlier stage failed";
  if (runResult === "cancelled") return "the run was cancelled";
  return undefined;
}

/** A configured stage the run never reached (or one waiting for its manual approval). */
export function UnrunStageSection({
  name,
  awaiting,
  runResult,
}: {
  name: string;
  awaiting: boolean;
  runResult: PipelineRunDto["result"];
}) {
  const headingId = useId();
  const state = awaiting ? "awaiting" : "not-run";
  // An awaiting stage says nothing more: its badge and the approval notice above it say it all.
  const reason = awaiting ? undefined : notRunReason(runResult);
  return (
    <section
      className="stage-section stage-section-unrun"
      aria-labelledby={headingId}
      data-stage={name}
      data-state={state}
    >
      <header className="stage-header">
        <h3 id={headingId}>{name}</h3>
        <StateBadge state={state} />
        {reason !== undefined && <span className="muted">{reason}</span>}
      </header>
    </section>
  );
}
