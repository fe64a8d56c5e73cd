import type { PipelineRunDto, TriggerVariableDto } from "@fawkes/protocol";
import { useId, useState } from "react";
import { commands } from "../api/commands.ts";
import { shortRevision } from "../format/time.ts";
import { Dialog } from "../ui/dialog.tsx";
import type { CommandDialog } from "../ui/use-command-dialog.ts";
import { buildTriggerRequest, initialVariableValue } from "./trigger-request.ts";

/**
 * "Trigger with options": pin material revisions and override, for this run only, the variables the pipeline
 * declares (the server refuses any other name). Secure ones are password fields and show no value.
 */
export function TriggerDialog({
  pipeline,
  latest,
  variables,
  dialog,
}: {
  pipeline: string;
  latest: PipelineRunDto | null;
  variables: readonly TriggerVariableDto[];
  dialog: CommandDialog;
}) {
  const materials = (latest?.materials ?? []).filter((material) => material.type === "git");
  const [revisions, setRevisions] = useState<Record<string, string>>({});
  const [edits, setEdits] = useState<Record<string, string>>({});
  const id = useId();

  const submit = () => {
    const request = buildTriggerRequest(revisions, variables, edits);
    void dialog.run(() => commands.trigger(pipeline, request), `Triggered ${pipeline}`);
  };

  return (
    <Dialog
      open={dialog.open}
      title={`Trigger ${pipeline} with options`}
      onClose={dialog.close}
      onSubmit={submit}
      submitLabel="Trigger"
      busy={dialog.busy}
    >
      <fieldset>
        <legend>Material revisions</legend>
        {materials.length === 0 && (
          <p className="hint">No git materials in the latest run; the latest revisions are used.</p>
        )}
        {materials.map((material) => (
          <div className="field" key={material.material}>
            <label htmlFor={`${id}-rev-${material.material}`}>{material.material}</label>
            <input
              id={`${id}-rev-${material.material}`}
              className="mono"
              placeholder={`latest (last built ${shortRevision(material.revision)})`}
              value={revisions[material.material] ?? ""}
              onChange={(event) => setRevisions({ ...revisions, [material.material]: event.target.value })}
              spellCheck={false}
            />
          </div>
        ))}
      </fieldset>
      <fieldset>
        <legend>Variables</legend>
        {variables.length === 0 ? (
          <p className="hint">
            This pipeline declares no variables. A trigger may only override variables declared under
            environment_variables or secure_variables of the pipeline, a stage, a job or its environment.
          </p>
        ) : (
          <p className="hint">
            Change a value to override it for this run only; untouched fields keep theirs.
          </p>
        )}
        {variables.map((variable) => (
          <div className="field" key={variable.name}>
            <label htmlFor={`${id}-var-${variable.name}`}>
              <span className="mono">{variable.name}</span>
              {variable.secure && <span className="muted"> (secure)</span>}
            </label>
            <input
              id={`${id}-var-${variable.name}`}
              className="mono"
              type={variable.secure ? "password" : "text"}
              autoComplete={variable.secure ? "new-password" : "off"}
              placeholder={
                variable.secure ? "unchanged (secret)" : variable.value === null ? "as declared" : undefined
              }
              value={edits[variable.name] ?? initialVariableValue(variable)}
              onChange={(event) => setEdits({ ...edits, [variable.name]: event.target.value })}
              spellCheck={false}
            />
          </div>
        ))}
      </fieldset>
      {dialog.error !== undefined && (
        <p className="notice notice-error" role="alert">
          {dialog.error}
        </p>
      )}
    </Dialog>
  );
}
