import { useState } from "react";
import { iam } from "../api/iam.ts";
import { CommandDialogForm } from "../ui/command-dialog-form.tsx";
import { JsonField, TextField } from "../ui/fields.tsx";
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
    <CommandDialogForm dialog={dialog} title="Create a managed policy" onSubmit={submit}>
      <TextField label="Name" required maxLength={128} value={name} onChange={setName} />
      <TextField label="Description (optional)" value={description} onChange={setDescription} />
      <JsonField label="Policy document (JSON)" rows={10} value={text} onChange={setText} />
    </CommandDialogForm>
  );
}
