import { useCallback, useMemo, useState } from "react";
import { errorMessage } from "../api/http.ts";
import { useAnnouncer } from "./announcer.tsx";

/**
 * Open/busy/error state of a dialog that sends one command: the dialog closes only when the command
 * succeeded, otherwise it shows the server's message. The functions are stable across renders.
 */
export function useCommandDialog() {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const { announce } = useAnnouncer();
  const show = useCallback(() => {
    setError(undefined);
    setOpen(true);
  }, []);
  const close = useCallback(() => setOpen(false), []);
  const run = useCallback(
    async (command: () => Promise<unknown>, done: string) => {
      setBusy(true);
      setError(undefined);
      try {
        await command();
        setOpen(false);
        announce(done);
      } catch (failure) {
        setError(errorMessage(failure));
      } finally {
        setBusy(false);
      }
    },
    [announce],
  );
  return useMemo(() => ({ open, busy, error, show, close, run }), [open, busy, error, show, close, run]);
}

export type CommandDialog = ReturnType<typeof useCommandDialog>;
