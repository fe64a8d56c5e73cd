/**
 * Cancelling stops jobs that may have run for a long time and cannot be undone, so both cancel buttons ask
 * first. The dialog's way back says "Keep it running": a "Cancel" button beside "Cancel run" would be ambiguous.
 */
import { commands } from "../api/commands.ts";
import { ConfirmButton } from "../ui/confirm-button.tsx";

const KEEP = "Keep it running";

/** Cancel a whole pipeline run. `label` is the run's label; `children` the visible text ("Cancel run"). */
export function CancelRunButton({
  pipeline,
  counter,
  label,
  children = "Cancel run",
}: {
  pipeline: string;
  counter: number;
  label: string;
  children?: string;
}) {
  return (
    <ConfirmButton
      label={`Cancel run ${label} of ${pipeline}`}
      title={`Cancel run ${label} of ${pipeline}?`}
      body={
        <p>
          Its running jobs are stopped and its remaining stages will not run. Rerun a stage to build this
          revision again.
        </p>
      }
      confirmLabel="Cancel run"
      dismissLabel={KEEP}
      action={() => commands.cancelRun(pipeline, counter)}
      done={`Cancelled ${pipeline} ${label}`}
    >
      {children}
    </ConfirmButton>
  );
}

/** Cancel one running stage of a run. */
export function CancelStageButton({
  pipeline,
  counter,
  stage,
}: {
  pipeline: string;
  counter: number;
  stage: string;
}) {
  return (
    <ConfirmButton
      label={`Cancel stage ${stage}`}
      title={`Cancel stage ${stage} of ${pipeline} ${counter}?`}
      body={<p>Its running jobs are stopped and the stages after it will not run.</p>}
      confirmLabel="Cancel stage"
      dismissLabel={KEEP}
      action={() => commands.cancelStage(pipeline, counter, stage)}
      done={`Cancelled stage ${stage}`}
    >
      Cancel
    </ConfirmButton>
  );
}
