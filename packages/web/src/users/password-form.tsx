import { useState } from "react";
import { ProblemNotice } from "../ui/error-notice.tsx";
import { TextField } from "../ui/fields.tsx";
import { useSubmit } from "../ui/use-submit.ts";

/** The server's only rule (protocol `Password`): length beats composition rules. */
const MIN_LENGTH = 12;

/**
 * A new password, typed twice (checked here, then by the server), and the current one when the user changes
 * their own. The fields are cleared after success.
 */
export function PasswordForm({
  askCurrent,
  submitLabel,
  onSubmit,
}: {
  askCurrent: boolean;
  submitLabel: string;
  onSubmit(next: string, current: string): Promise<unknown>;
}) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [repeat, setRepeat] = useState("");
  const [done, setDone] = useState(false);
  const { busy, error, setError, run } = useSubmit();
  const submit = async () => {
    setDone(false);
    if (next.length < MIN_LENGTH)
      return setError(new Error(`The new password needs at least ${MIN_LENGTH} characters.`));
    if (next !== repeat) return setError(new Error("The two new passwords differ."));
    if (!(await run(() => onSubmit(next, current)))) return;
    setCurrent("");
    setNext("");
    setRepeat("");
    setDone(true);
  };
  const secret = { type: "password", required: true } as const;
  return (
    <form
      className="password-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {askCurrent && (
        <TextField
          label="Current password"
          autoComplete="current-password"
          {...secret}
          value={current}
          onChange={setCurrent}
        />
      )}
      <TextField
        label={`New password (at least ${MIN_LENGTH} characters)`}
        autoComplete="new-password"
        {...secret}
        value={next}
        onChange={setNext}
      />
      <TextField
        label="New password again"
        autoComplete="new-password"
        {...secret}
        value={repeat}
        onChange={setRepeat}
      />
      <ProblemNotice error={error} />
      {done && (
        <p className="notice notice-ok" role="status">
          Password changed. Other sessions of the user were ended.
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy} aria-busy={busy}>
          {busy ? "Saving…" : submitLabel}
        </button>
      </div>
    </form>
  );
}
