import { roleTrustPolicy, type PolicyDocument } from "@fawkes/protocol";
import { useState } from "react";
import { commands } from "../api/commands.ts";
import { CommandDialogForm } from "../ui/command-dialog-form.tsx";
import { JsonField, TextField } from "../ui/fields.tsx";
import { parseJsonObject } from "../ui/json-text.ts";
import type { CommandDialog } from "../ui/use-command-dialog.ts";

/** The trust policy the form describes: a pasted document, or docs/identity.md's statements for a pipeline/agents. */
function trustPolicyOf(form: { pipeline: string; agents: boolean; custom: string }): PolicyDocument {
  if (form.custom.trim() !== "") return parseJsonObject(form.custom, "trust policy");
  const pipelines = form.pipeline.trim() === "" ? [] : [form.pipeline.trim()];
  if (pipelines.length === 0 && !form.agents)
    throw new Error("Say who may assume the role: a pipeline, agents, or a trust policy.");
  return roleTrustPolicy(pipelines, form.agents);
}

/** Create a role: its name and who may assume it. Policies are added on its page. */
export function CreateRoleDialog({ dialog, onCreated }: { dialog: CommandDialog; onCreated(): void }) {
  const [name, setName] = useState("");
  const [pipeline, setPipeline] = useState("");
  const [agents, setAgents] = useState(false);
  const [custom, setCustom] = useState("");
  const submit = () =>
    void dialog.run(async () => {
      await commands.createRole({
        name: name.trim(),
        trustPolicy: trustPolicyOf({ pipeline, agents, custom }),
      });
      onCreated();
    }, `Created role ${name.trim()}`);
  return (
    <CommandDialogForm dialog={dialog} title="Create a role" onSubmit={submit}>
      <TextField label="Name" required maxLength={64} value={name} onChange={setName} />
      <TextField
        label="Jobs of pipeline (name or glob) may assume it"
        value={pipeline}
        onChange={setPipeline}
      />
      <div className="field">
        <label>
          <input type="checkbox" checked={agents} onChange={(event) => setAgents(event.target.checked)} />{" "}
          Agents given the role may assume it
        </label>
      </div>
      <JsonField
        label="Or a trust policy (JSON; replaces the two above)"
        rows={6}
        value={custom}
        onChange={setCustom}
      />
    </CommandDialogForm>
  );
}
