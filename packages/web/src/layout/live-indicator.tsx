import { useLiveStatus } from "../live/live-context.ts";

const text = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" } as const;

/** Whether the page is receiving live updates (so a stale page is never mistaken for a current one). */
export function LiveIndicator() {
  const status = useLiveStatus();
  return (
    <span className={`live live-${status}`} title="Live updates from the server">
      <span aria-hidden="true" className="live-dot" />
      {text[status]}
    </span>
  );
}
