import { useId, useState } from "react";
import { ProblemNotice } from "../ui/error-notice.tsx";

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
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState(false);
  const id = useId();
  const submit = async () => {
    setError(undefined);
    setDone(false);
    if (next.length < MIN_LENGTH)
      return setError(new Error(`The new password needs at least ${MIN_LENGTH} characters.`));
    if (next !== repeat) return setError(new Error("The two new passwords differ."));
    setBusy(true);
    try {
      await onSubmit(next, current);
      setCurrent("");
      setNext("");
      setRepeat("");
      setDone(true);
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      className="password-form"
      onSubmit={(event) => {
        event.preventDefault();
        void submit();
      }}
    >
      {askCurrent && (
        <div className="field">
          <label htmlFor={`${id}-current`}>Current password</label>
          <input
            id={`${id}-current`}
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(event) => setCurrent(event.target.value)}
          />
        </div>
      )}
      <div className="field">
        <label htmlFor={`${id}-next`}>New password (at least {MIN_LENGTH} characters)</label>
        <input
          id={`${id}-next`}
          type="password"
          autoComplete="new-password"
          required
          value={next}
          onChange={(event) => setNext(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-repeat`}>New password again</label>
        <input
          id={`${id}-repeat`}
          type="password"
          autoComplete="new-password"
          required
          value={repeat}
          onChange={(event) => setRepeat(event.target.value)}
        />
      </div>
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
