import { useEffect, useState } from "react";

/**
 * The current time, advancing every `intervalMs` while `active` (running durations, "x s ago"). This only
 * redraws the clock; it never asks the server for anything.
 */
export function useNow(active: boolean, intervalMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs]);
  return now;
}
