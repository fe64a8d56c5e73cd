import { errorMessage } from "../api/http.ts";

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" aria-busy="true">
      Loading {what}…
    </p>
  );
}

export function LoadError({ error, what }: { error: unknown; what: string }) {
  return (
    <div className="notice notice-error" role="alert">
      <strong>Could not load {what}.</strong> {errorMessage(error)}
    </div>
  );
}
