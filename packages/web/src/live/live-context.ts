import { createContext, useContext, useEffect, useRef, useSyncExternalStore } from "react";
import type { LiveEvents, LiveMessage, LiveStatus } from "./live-events.ts";

export const LiveEventsContext = createContext<LiveEvents | null>(null);

function useLiveEvents(): LiveEvents {
  const live = useContext(LiveEventsContext);
  if (live === null) throw new Error("useLiveEvents outside LiveEventsContext");
  return live;
}

/** Call `onMessage` for every live message; the latest callback is used without resubscribing. */
export function useLiveMessages(onMessage: (message: LiveMessage) => void): void {
  const live = useLiveEvents();
  const callback = useRef(onMessage);
  useEffect(() => {
    callback.current = onMessage;
  });
  useEffect(() => live.subscribe((message) => callback.current(message)), [live]);
}

export function useLiveStatus(): LiveStatus {
  const live = useLiveEvents();
  return useSyncExternalStore(live.subscribeStatus, () => live.status);
}
