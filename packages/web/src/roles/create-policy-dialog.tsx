import { useId, useState } from "react";
import { iam } from "../api/iam.ts";
import { Dialog } from "../ui/dialog.tsx";
import { ErrorNotice } from "../ui/error-notice.tsx";
import { jsonText, parseJsonObject } from "../ui/json-text.ts";
import type { CommandDialog } from "../ui/use-command-dialog.ts";

const EXAMPLE = jsonText({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: "arn:aws:s3:::releases/*" }],
});

/** Create a managed policy from a name and a JSON document (checked here, then by the server). */
export function CreatePolicyDialog({ dialog, onCreated }: { dialog: CommandDialog; onCreated(): void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [text, setText] = useState(EXAMPLE);
  const id = useId();
  const submit = () =>
    void dialog.run(async () => {
      await iam.createPolicy({
        name: name.trim(),
        document: parseJsonObject(text, "policy"),
        ...(description.trim() !== "" && { description: description.trim() }),
      });
      onCreated();
    }, `Created policy ${name.trim()}`);
  return (
    <Dialog
      open={dialog.open}
      title="Create a managed policy"
      onClose={dialog.close}
      onSubmit={submit}
      submitLabel="Create"
      busy={dialog.busy}
    >
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          required
          maxLength={128}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <input
          id={`${id}-description`}
          value={description}
          onChange={(event) => setDescription(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-document`}>Policy document (JSON)</label>
        <textarea
          id={`${id}-document`}
          className="policy-text"
          rows={10}
          spellCheck={false}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      </div>
      <ErrorNotice error={dialog.error} />
    </Dialog>
  );
}
