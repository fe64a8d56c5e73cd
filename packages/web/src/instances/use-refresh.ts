import { useEffect } from "react";

/** Instances send no server events: a page showing one that may still change re-fetches every few seconds. */
export const INSTANCE_REFRESH_MS = 2_000;

/** Calls `reload` every `ms` while `active` (and stops as soon as it is not). */
export function useRefreshWhile(active: boolean, reload: () => void, ms = INSTANCE_REFRESH_MS): void {
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(reload, ms);
    return () => clearInterval(timer);
  }, [active, reload, ms]);
}
