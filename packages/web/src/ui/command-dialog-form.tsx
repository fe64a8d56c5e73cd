import type { ReactNode } from "react";
import { Dialog } from "./dialog.tsx";
import { ErrorNotice } from "./error-notice.tsx";
import type { CommandDialog } from "./use-command-dialog.ts";

/** A dialog that sends one command (`useCommandDialog`): its fields, then the server's refusal when there is one. */
export function CommandDialogForm({
  dialog,
  title,
  submitLabel = "Create",
  submitVariant,
  dismissLabel,
  onSubmit,
  children,
}: {
  dialog: CommandDialog;
  title: string;
  /** @default "Create" */
  submitLabel?: string;
  submitVariant?: "primary" | "danger";
  dismissLabel?: string;
  onSubmit(): void;
  children: ReactNode;
}) {
  return (
    <Dialog
      open={dialog.open}
      title={title}
      onClose={dialog.close}
      onSubmit={onSubmit}
      submitLabel={submitLabel}
      submitVariant={submitVariant}
      dismissLabel={dismissLabel}
      busy={dialog.busy}
    >
      {children}
      <ErrorNotice error={dialog.error} />
    </Dialog>
  );
}
