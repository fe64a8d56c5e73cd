import { useId, useState, type FormEvent } from "react";
import { errorMessage, HttpError } from "../api/http.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { logIn } from "./session.ts";

/** Shown when the browser has no valid session: paste the API token once; a cookie keeps the session. */
export function LoginPage({ onLoggedIn }: { onLoggedIn(): void }) {
  useDocumentTitle("Log in");
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const inputId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await logIn(token.trim());
      onLoggedIn();
    } catch (failure) {
      setError(
        failure instanceof HttpError && failure.status === 401
          ? "That token is not valid."
          : errorMessage(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={(event) => void submit(event)}>
        <h1>
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Fawkes
        </h1>
        <label htmlFor={inputId}>API token</label>
        <input
          id={inputId}
          type="password"
          autoComplete="current-password"
          required
          value={token}
          onChange={(event) => setToken(event.target.value)}
          aria-describedby={hintId}
          aria-invalid={error !== undefined}
          autoFocus
        />
        <p id={hintId} className="hint">
          The token is in <code>&lt;data-dir&gt;/keys/api-token</code> (by default{" "}
          <code>.fawkes/keys/api-token</code>). <code>fawkes up</code> also prints a link that logs you in.
        </p>
        {error !== undefined && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <button
          type="submit"
          className="button button-primary"
          disabled={busy || token.trim() === ""}
          aria-busy={busy}
        >
          Log in
        </button>
      </form>
    </main>
  );
}
