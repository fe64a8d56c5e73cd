import { useState, type ReactNode } from "react";
import { errorMessage } from "../api/http.ts";
import { useAnnouncer } from "./announcer.tsx";

interface ActionButtonProps {
  /** The command; its promise settles when the server answered. */
  action: () => Promise<unknown>;
  /** Announced when the command succeeds. */
  done?: string;
  children: ReactNode;
  variant?: "primary" | "secondary" | "danger";
  disabled?: boolean;
  title?: string;
  /** Accessible name when the visible text alone is ambiguous (e.g. "Trigger build"). */
  label?: string;
}

/** A button that runs a server command, is busy (and disabled) until it answers, and announces the outcome. */
export function ActionButton({
  action,
  done,
  children,
  variant = "secondary",
  disabled,
  title,
  label,
}: ActionButtonProps) {
  const [busy, setBusy] = useState(false);
  const { announce } = useAnnouncer();
  const run = async () => {
    setBusy(true);
    try {
      await action();
      if (done !== undefined) announce(done);
    } catch (error) {
      announce(errorMessage(error), "error");
    } finally {
      setBusy(false);
    }
  };
  return (
    <button
      type="button"
      className={`button button-${variant}`}
      onClick={() => void run()}
      disabled={disabled === true || busy}
      aria-busy={busy}
      title={title}
      aria-label={label}
    >
      {children}
    </button>
  );
}
