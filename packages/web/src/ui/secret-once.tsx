import { useState } from "react";

/**
 * A secret the server shows only once (a new token, a generated password): selectable text and a Copy button,
 * with the warning that it cannot be shown again.
 */
export function SecretOnce({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState<"no" | "yes" | "failed">("no");
  const copy = () =>
    void navigator.clipboard.writeText(value).then(
      () => setCopied("yes"),
      () => setCopied("failed"),
    );
  return (
    <div className="notice notice-ok secret-once" role="status">
      <p>
        <strong>{label}</strong> It is shown only this once: copy it now.
      </p>
      <p className="secret-value">
        <code data-testid="secret-value">{value}</code>{" "}
        <button type="button" className="button button-secondary" onClick={copy}>
          {copied === "yes" ? "Copied" : "Copy"}
        </button>
      </p>
      {copied === "failed" && <p className="muted">The browser refused to copy: select the text instead.</p>}
    </div>
  );
}
