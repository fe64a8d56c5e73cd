import { useCallback, useState } from "react";

/**
 * Busy and error state of a form that sends one command in place (no dialog): `run` resolves true when the
 * command succeeded; a failure is kept (the form shows it) and the form's input stays as typed.
 */
export function useSubmit() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (command: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await command();
      return true;
    } catch (failure) {
      setError(failure);
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, setError, run };
}
