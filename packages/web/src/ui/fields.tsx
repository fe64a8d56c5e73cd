import { useId, type InputHTMLAttributes } from "react";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "id" | "value" | "onChange">;

/** A labelled input of a form (`.field`): the label names it for screen readers and tests alike. */
export function TextField({
  label,
  value,
  onChange,
  ...input
}: { label: string; value: string; onChange(value: string): void } & InputProps) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input id={id} value={value} onChange={(event) => onChange(event.target.value)} {...input} />
    </div>
  );
}

/** A labelled JSON document (a policy), in a monospace text area that grows with it. */
export function JsonField({
  label,
  value,
  onChange,
  rows,
}: {
  label: string;
  value: string;
  onChange(value: string): void;
  /** @default the document's lines, 6 to 20 */
  rows?: number;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="json-text"
        rows={rows ?? Math.min(20, Math.max(6, value.split("\n").length + 1))}
        spellCheck={false}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
    </div>
  );
}
