import { useEffect, useId, useRef, type FormEvent, type ReactNode } from "react";

interface DialogProps {
  open: boolean;
  title: string;
  onClose(): void;
  /** Called on submit; the dialog stays open until the caller closes it (so errors can be shown inside). */
  onSubmit(): void;
  submitLabel: string;
  submitVariant?: "primary" | "danger";
  /** The button that closes the dialog without doing anything; "Keep it running" where "Cancel" would be ambiguous. */
  dismissLabel?: string;
  busy?: boolean;
  children: ReactNode;
}

/**
 * A modal form on the native `<dialog>`: the browser traps focus, Escape closes it, and focus returns to the
 * button that opened it.
 */
export function Dialog({
  open,
  title,
  onClose,
  onSubmit,
  submitLabel,
  submitVariant = "primary",
  dismissLabel = "Cancel",
  busy,
  children,
}: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog === null) return;
    if (open && !dialog.open) dialog.showModal();
    if (!open && dialog.open) dialog.close();
  }, [open]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSubmit();
  };
  return (
    <dialog ref={ref} className="dialog" aria-labelledby={titleId} onClose={onClose} onCancel={onClose}>
      {open && (
        <form onSubmit={submit}>
          <h2 id={titleId}>{title}</h2>
          {children}
          <div className="dialog-actions">
            <button type="button" className="button button-secondary" onClick={onClose}>
              {dismissLabel}
            </button>
            <button
              type="submit"
              className={`button button-${submitVariant}`}
              disabled={busy === true}
              aria-busy={busy}
            >
              {submitLabel}
            </button>
          </div>
        </form>
      )}
    </dialog>
  );
}
