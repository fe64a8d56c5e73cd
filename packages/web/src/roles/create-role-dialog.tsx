import { roleTrustPolicy, type PolicyDocument } from "@fawkes/protocol";
import { useId, useState } from "react";
import { commands } from "../api/commands.ts";
import { Dialog } from "../ui/dialog.tsx";
import { ErrorNotice } from "../ui/error-notice.tsx";
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
  const id = useId();
  const submit = () =>
    void dialog.run(async () => {
      await commands.createRole({
        name: name.trim(),
        trustPolicy: trustPolicyOf({ pipeline, agents, custom }),
      });
      onCreated();
    }, `Created role ${name.trim()}`);
  return (
    <Dialog
      open={dialog.open}
      title="Create a role"
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
          maxLength={64}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-pipeline`}>Jobs of pipeline (name or glob) may assume it</label>
        <input id={`${id}-pipeline`} value={pipeline} onChange={(event) => setPipeline(event.target.value)} />
      </div>
      <div className="field">
        <label>
          <input type="checkbox" checked={agents} onChange={(event) => setAgents(event.target.checked)} />{" "}
          Agents given the role may assume it
        </label>
      </div>
      <div className="field">
        <label htmlFor={`${id}-trust`}>Or a trust policy (JSON; replaces the two above)</label>
        <textarea
          id={`${id}-trust`}
          rows={6}
          value={custom}
          onChange={(event) => setCustom(event.target.value)}
        />
      </div>
      <ErrorNotice error={dialog.error} />
    </Dialog>
  );
}
