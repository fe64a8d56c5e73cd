import type { PipelineRunDto } from "@fawkes/protocol";
import { useId, useState } from "react";
import { commands } from "../api/commands.ts";
import { shortRevision } from "../format/time.ts";
import { Dialog } from "../ui/dialog.tsx";
import type { CommandDialog } from "../ui/use-command-dialog.ts";
import { buildTriggerRequest, type VariableRow } from "./trigger-request.ts";

/** "Trigger with options": pin material revisions and set variables for this run only. */
export function TriggerDialog({
  pipeline,
  latest,
  dialog,
}: {
  pipeline: string;
  latest: PipelineRunDto | null;
  dialog: CommandDialog;
}) {
  const materials = (latest?.materials ?? []).filter((material) => material.type === "git");
  const [revisions, setRevisions] = useState<Record<string, string>>({});
  const [variables, setVariables] = useState<VariableRow[]>([{ name: "", value: "" }]);
  const [formErrors, setFormErrors] = useState<string[]>([]);
  const id = useId();

  const submit = () => {
    const { request, errors } = buildTriggerRequest(revisions, variables);
    setFormErrors(errors);
    if (errors.length > 0) return;
    void dialog.run(() => commands.trigger(pipeline, request), `Triggered ${pipeline}`);
  };
  const setVariable = (index: number, change: Partial<VariableRow>) =>
    setVariables((rows) => rows.map((row, at) => (at === index ? { ...row, ...change } : row)));
  const errors = dialog.error === undefined ? formErrors : [...formErrors, dialog.error];

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
        {variables.map((row, index) => (
          <div className="variable-row" key={index}>
            <label className="visually-hidden" htmlFor={`${id}-var-${index}`}>
              Variable {index + 1} name
            </label>
            <input
              id={`${id}-var-${index}`}
              className="mono"
              placeholder="NAME"
              value={row.name}
              onChange={(event) => setVariable(index, { name: event.target.value })}
              spellCheck={false}
            />
            <label className="visually-hidden" htmlFor={`${id}-val-${index}`}>
              Variable {index + 1} value
            </label>
            <input
              id={`${id}-val-${index}`}
              placeholder="value"
              value={row.value}
              onChange={(event) => setVariable(index, { value: event.target.value })}
            />
            <button
              type="button"
              className="button button-quiet"
              onClick={() => setVariables((rows) => rows.filter((_, at) => at !== index))}
              aria-label={`Remove variable ${index + 1}`}
            >
              Remove
            </button>
          </div>
        ))}
        <button
          type="button"
          className="button button-secondary"
          onClick={() => setVariables((rows) => [...rows, { name: "", value: "" }])}
        >
          Add variable
        </button>
      </fieldset>
      {errors.length > 0 && (
        <ul className="notice notice-error" role="alert">
          {errors.map((error) => (
            <li key={error}>{error}</li>
          ))}
        </ul>
      )}
    </Dialog>
  );
}
