import { useState } from "react";
import { ProblemNotice } from "../ui/error-notice.tsx";
import { JsonField, TextField } from "../ui/fields.tsx";
import { parseJsonObject } from "../ui/json-text.ts";
import { useSubmit } from "../ui/use-submit.ts";

interface PolicyFormProps {
  /** The document's label ("Trust policy (JSON)"). */
  label: string;
  /** Its name in client-side messages ("trust policy"). */
  what: string;
  initialText: string;
  /** A name field (a new inline policy); absent when the name is fixed. */
  nameLabel?: string;
  submitLabel: string;
  /** Sends the document; a rejection is shown in the form, which stays as typed. */
  onSubmit(document: Record<string, unknown>, name: string): Promise<unknown>;
  onCancel(): void;
}

/**
 * A JSON policy document to edit in place: checked in the browser first (it must be a JSON object), then by the
 * server, whose refusal lists the JSON path of each problem.
 */
export function PolicyForm({
  label,
  what,
  initialText,
  nameLabel,
  submitLabel,
  onSubmit,
  onCancel,
}: PolicyFormProps) {
  const [text, setText] = useState(initialText);
  const [name, setName] = useState("");
  const { busy, error, setError, run } = useSubmit();
  const submit = () => {
    let document: Record<string, unknown>;
    try {
      if (nameLabel !== undefined && name.trim() === "") throw new Error(`Name the ${what}.`);
      document = parseJsonObject(text, what);
    } catch (invalid) {
      setError(invalid);
      return;
    }
    void run(() => onSubmit(document, name.trim()));
  };
  return (
    <form
      className="policy-form"
      onSubmit={(event) => {
        event.preventDefault();
        submit();
      }}
    >
      {nameLabel !== undefined && (
        <TextField label={nameLabel} maxLength={128} value={name} onChange={setName} />
      )}
      <JsonField label={label} value={text} onChange={setText} />
      <ProblemNotice error={error} />
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
        <button type="button" className="button button-secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
