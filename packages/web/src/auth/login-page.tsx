import { useId, useState, type FormEvent } from "react";
import { errorMessage, HttpError } from "../api/http.ts";
import { useDocumentTitle } from "../ui/use-document-title.ts";
import { logIn, logInWithToken } from "./session.ts";

/**
 * Shown when the browser has no valid session: a user's name and password (or, for the server's operator, the
 * API token from the data directory); a cookie keeps the session.
 */
export function LoginPage({ onLoggedIn }: { onLoggedIn(): void }) {
  useDocumentTitle("Log in");
  const [withToken, setWithToken] = useState(false);
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [token, setToken] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const userId = useId();
  const passwordId = useId();
  const tokenId = useId();
  const hintId = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      if (withToken) await logInWithToken(token.trim());
      else await logIn(user.trim(), password);
      onLoggedIn();
    } catch (failure) {
      setError(
        failure instanceof HttpError && failure.status === 401
          ? withToken
            ? "That token is not valid."
            : "Wrong user name or password."
          : errorMessage(failure),
      );
    } finally {
      setBusy(false);
    }
  };

  const ready = withToken ? token.trim() !== "" : user.trim() !== "" && password !== "";
  return (
    <main className="login" id="main">
      <form className="login-card" onSubmit={(event) => void submit(event)}>
        <h1>
          <span className="brand-mark" aria-hidden="true">
            ◆
          </span>{" "}
          Fawkes
        </h1>
        {withToken ? (
          <>
            <label htmlFor={tokenId}>API token</label>
            <input
              id={tokenId}
              type="password"
              autoComplete="off"
              required
              value={token}
              onChange={(event) => setToken(event.target.value)}
              aria-describedby={hintId}
              aria-invalid={error !== undefined}
              autoFocus
            />
            <p id={hintId} className="hint">
              The token is in <code>&lt;data-dir&gt;/keys/api-token</code> (by default{" "}
              <code>.fawkes/keys/api-token</code>). <code>fawkes up</code> also prints a link that logs you
              in.
            </p>
          </>
        ) : (
          <>
            <label htmlFor={userId}>User</label>
            <input
              id={userId}
              type="text"
              autoComplete="username"
              required
              value={user}
              onChange={(event) => setUser(event.target.value)}
              aria-invalid={error !== undefined}
              autoFocus
            />
            <label htmlFor={passwordId}>Password</label>
            <input
              id={passwordId}
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              aria-describedby={hintId}
              aria-invalid={error !== undefined}
            />
            <p id={hintId} className="hint">
              <code>fawkes up</code> prints the administrator&apos;s login on its first start.
            </p>
          </>
        )}
        {error !== undefined && (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="button button-primary" disabled={busy || !ready} aria-busy={busy}>
          Log in
        </button>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            setWithToken(!withToken);
            setError(undefined);
          }}
        >
          {withToken ? "Use a user name and password instead" : "Use the API token instead"}
        </button>
      </form>
    </main>
  );
}
