/**
 * "x s ago" that stays current. One shared clock ticks for every TimeAgo on the page, and only these small
 * leaves re-render on a tick (a dashboard row does not).
 */
import { useSyncExternalStore } from "react";
import { formatAgo, isoTime } from "../format/time.ts";

const TICK_MS = 1000;
const listeners = new Set<() => void>();
let now = Date.now();
let timer: ReturnType<typeof setInterval> | undefined;

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  if (timer === undefined) {
    now = Date.now();
    timer = setInterval(() => {
      now = Date.now();
      for (const notify of listeners) notify();
    }, TICK_MS);
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && timer !== undefined) {
      clearInterval(timer);
      timer = undefined;
    }
  };
}

export function TimeAgo({ time }: { time: number }) {
  // The snapshot is the text itself, so a tick re-renders only the labels whose text changed.
  const text = useSyncExternalStore(subscribe, () => formatAgo(time, timer === undefined ? Date.now() : now));
  return (
    <time dateTime={isoTime(time)} title={new Date(time).toLocaleString()}>
      {text}
    </time>
  );
}
