import { errorMessage, HttpError } from "../api/http.ts";

/** A command's failure inside a form or dialog: the server's message, announced to screen readers. */
export function ErrorNotice({ error }: { error: string | undefined }) {
  if (error === undefined) return null;
  return (
    <p className="notice notice-error" role="alert">
      {error}
    </p>
  );
}

/**
 * A failure with the problem's per-field issues listed under its message, each by the path the server names
 * (`trustPolicy.Statement[0].Effect`).
 */
export function ProblemNotice({ error }: { error: unknown }) {
  if (error === undefined) return null;
  const issues = error instanceof HttpError ? error.errors : [];
  return (
    <div className="notice notice-error" role="alert">
      <p>{errorMessage(error)}</p>
      {issues.length > 0 && (
        <ul className="problem-issues">
          {issues.map((issue, index) => (
            <li key={index}>
              {issue.path !== undefined && issue.path !== "" && <code>{issue.path}</code>} {issue.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
