import type { ReactNode } from "react";
import { CommandDialogForm } from "./command-dialog-form.tsx";
import { useCommandDialog } from "./use-command-dialog.ts";

interface ConfirmButtonProps {
  /** The button's visible text ("Delete"). */
  children: ReactNode;
  /** Its accessible name when the text alone is ambiguous ("Delete role app-ci"). */
  label?: string;
  /** The dialog's question ("Delete role app-ci?"). */
  title: string;
  /** What happens, said in the dialog. */
  body: ReactNode;
  confirmLabel: string;
  /** The dialog's button that backs out (default "Cancel"; say "Keep it running" when cancelling a run). */
  dismissLabel?: string;
  action: () => Promise<unknown>;
  /** Announced when the command succeeded. */
  done: string;
  /** Runs after success (reload a list, leave a deleted thing's page). */
  onDone?: () => void;
  variant?: "danger" | "secondary";
}

/**
 * A destructive command behind a confirmation: the dialog stays open while the command runs and shows the
 * server's refusal (a DeleteConflict, a permission) inside it; it closes only on success.
 */
export function ConfirmButton({
  children,
  label,
  title,
  body,
  confirmLabel,
  dismissLabel,
  action,
  done,
  onDone,
  variant = "danger",
}: ConfirmButtonProps) {
  const dialog = useCommandDialog();
  return (
    <>
      <button type="button" className={`button button-${variant}`} onClick={dialog.show} aria-label={label}>
        {children}
      </button>
      <CommandDialogForm
        dialog={dialog}
        title={title}
        onSubmit={() =>
          void dialog.run(async () => {
            await action();
            onDone?.();
          }, done)
        }
        submitLabel={confirmLabel}
        submitVariant={variant === "danger" ? "danger" : "primary"}
        dismissLabel={dismissLabel}
      >
        {body}
      </CommandDialogForm>
    </>
  );
}
