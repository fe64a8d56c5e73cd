import { useId, useState } from "react";
import { commands } from "../api/commands.ts";
import { Dialog } from "../ui/dialog.tsx";
import type { CommandDialog } from "../ui/use-command-dialog.ts";

/** Pause a pipeline with a reason that everyone sees on the dashboard. */
export function PauseDialog({ pipeline, dialog }: { pipeline: string; dialog: CommandDialog }) {
  const [reason, setReason] = useState("");
  const id = useId();
  return (
    <Dialog
      open={dialog.open}
      title={`Pause ${pipeline}`}
      onClose={dialog.close}
      onSubmit={() => void dialog.run(() => commands.pause(pipeline, reason.trim()), `Paused ${pipeline}`)}
      submitLabel="Pause"
      busy={dialog.busy}
    >
      <div className="field">
        <label htmlFor={id}>Reason (optional)</label>
        <textarea
          id={id}
          rows={3}
          maxLength={1000}
          value={reason}
          onChange={(event) => setReason(event.target.value)}
        />
      </div>
      {dialog.error !== undefined && (
        <p className="notice notice-error" role="alert">
          {dialog.error}
        </p>
      )}
    </Dialog>
  );
}
