import { commands } from "../api/commands.ts";
import { useCanOperate } from "../auth/permissions.ts";
import { isArchived } from "../live/use-pipeline-config.ts";
import { CancelRunButton } from "../run/cancel-buttons.tsx";
import { ActionButton } from "../ui/action-button.tsx";
import { useCommandDialog } from "../ui/use-command-dialog.ts";
import { PauseDialog } from "./pause-dialog.tsx";
import { rerunnableStage } from "./shape.ts";
import { TriggerDialog } from "./trigger-dialog.tsx";
import type { DashboardPipeline } from "./use-dashboard.ts";

/**
 * The operator's buttons for one pipeline; only the ones that apply to its current state are shown, and none
 * to a user who may not operate it (a viewer) or for a pipeline no longer configured.
 */
export function PipelineActions({ pipeline }: { pipeline: DashboardPipeline }) {
  const triggerDialog = useCommandDialog();
  const pauseDialog = useCommandDialog();
  const { name, latest, paused, triggerVariables } = pipeline;
  const rerunStage = rerunnableStage(latest);
  const canOperate = useCanOperate(name);
  if (!canOperate || isArchived(pipeline)) return null;
  return (
    <div className="card-actions">
      <ActionButton
        variant="primary"
        action={() => commands.trigger(name)}
        done={`Triggered ${name}`}
        disabled={paused}
        title={paused ? "Unpause the pipeline to trigger it" : undefined}
        label={`Trigger ${name}`}
      >
        <span aria-hidden="true">▶</span> Trigger
      </ActionButton>
      <button
        type="button"
        className="button button-secondary"
        onClick={triggerDialog.show}
        disabled={paused}
        aria-label={`Trigger ${name} with options`}
      >
        Options…
      </button>
      {paused ? (
        <ActionButton
          action={() => commands.unpause(name)}
          done={`Unpaused ${name}`}
          label={`Unpause ${name}`}
        >
          Unpause
        </ActionButton>
      ) : (
        <button
          type="button"
          className="button button-secondary"
          onClick={pauseDialog.show}
          aria-label={`Pause ${name}`}
        >
          Pause
        </button>
      )}
      {latest?.awaitingApproval != null && (
        <ActionButton
          variant="primary"
          action={() => commands.approve(name, latest.counter, latest.awaitingApproval as string)}
          done={`Approved ${latest.awaitingApproval} of ${name} ${latest.label}`}
          label={`Approve ${latest.awaitingApproval} of ${name}`}
        >
          Approve {latest.awaitingApproval}
        </ActionButton>
      )}
      {latest !== null && rerunStage !== undefined && (
        <ActionButton
          action={() => commands.rerun(name, latest.counter, rerunStage)}
          done={`Rerunning ${rerunStage} of ${name} ${latest.label}`}
          label={`Rerun ${rerunStage} of ${name}`}
        >
          Rerun {rerunStage}
        </ActionButton>
      )}
      {latest?.result === "building" && (
        <CancelRunButton pipeline={name} counter={latest.counter} label={latest.label}>
          Cancel
        </CancelRunButton>
      )}
      <TriggerDialog pipeline={name} latest={latest} variables={triggerVariables} dialog={triggerDialog} />
      <PauseDialog pipeline={name} dialog={pauseDialog} />
    </div>
  );
}
