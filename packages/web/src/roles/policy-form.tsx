import { useId, useState } from "react";
import { parseJsonObject } from "../ui/json-text.ts";
import { ProblemNotice } from "../ui/error-notice.tsx";

interface PolicyFormProps {
  /** The document's label ("Trust policy (JSON)"). */
  label: string;
  /** Its name in client-side messages ("trust policy"). */
  what: string;
  initialText: string;
  /** A name field (a new inline or managed policy); absent when the name is fixed. */
  nameLabel?: string;
  submitLabel: string;
  /** Sends the document; a rejection is shown in the form, which stays as typed. */
  onSubmit(document: Record<string, unknown>, name: string): Promise<unknown>;
  onCancel(): void;
}

/**
 * A JSON policy document to edit: checked in the browser first (it must be a JSON object), then by the server,
 * whose refusal lists the JSON path of each problem.
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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const id = useId();
  const submit = async () => {
    setError(undefined);
    let document: Record<string, unknown>;
    try {
      if (nameLabel !== undefined && name.trim() === "") throw new Error(`Name the ${what}.`);
      document = parseJsonObject(text, what);
    } catch (invalid) {
      setError(invalid);
      return;
    }
    setBusy(true);
    try {
      await onSubmit(document, name.trim());
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="policy-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {nameLabel !== undefined && (
        <div className="field">
          <label htmlFor={`${id}-name`}>{nameLabel}</label>
          <input
            id={`${id}-name`}
            maxLength={128}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-document`}>{label}</label>
        <textarea
          id={`${id}-document`}
          className="policy-text"
          rows={Math.min(20, Math.max(6, text.split("\n").length + 1))}
          spellCheck={false}
          value={text}
          onChange={(event) => setText(event.target.value)}
        />
      </div>
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
