/**
 * One EventSource on /api/v1/events shared by every view. Listeners get each ServerEvent, and `resync` after
 * the stream reconnects (events may have been missed while it was down, so views re-fetch what they show).
 */
import { ApiRoutes, type ServerEvent } from "@fawkes/protocol";
import { parseServerEvent } from "./event-match.ts";

export type LiveMessage = ServerEvent | { type: "resync" };
export type LiveStatus = "connecting" | "live" | "reconnecting";

export interface LiveEvents {
  subscribe(listener: (message: LiveMessage) => void): () => void;
  readonly status: LiveStatus;
  subscribeStatus(listener: () => void): () => void;
  close(): void;
}

export interface LiveEventsOptions {
  url?: string;
  /** Called when the browser gives up on the stream (e.g. 401): the app checks whether the session ended. */
  onClosed?: () => void;
  /** Delay before reopening a stream the browser closed for good. @default 2000 */
  reopenDelayMs?: number;
}

export function createLiveEvents(options: LiveEventsOptions = {}): LiveEvents {
  const url = options.url ?? ApiRoutes.events;
  const listeners = new Set<(message: LiveMessage) => void>();
  const statusListeners = new Set<() => void>();
  let status: LiveStatus = "connecting";
  let source: EventSource | undefined;
  let reopenTimer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  let everOpened = false;

  const setStatus = (next: LiveStatus) => {
    if (status === next) return;
    status = next;
    for (const listener of statusListeners) listener();
  };
  const emit = (message: LiveMessage) => {
    for (const listener of [...listeners]) listener(message);
  };

  const open = () => {
    reopenTimer = undefined;
    if (closed) return;
    const stream = new EventSource(url);
    source = stream;
    stream.onopen = () => {
      setStatus("live");
      if (everOpened) emit({ type: "resync" });
      everOpened = true;
    };
    stream.onmessage = (message: MessageEvent<string>) => {
      const event = parseServerEvent(message.data);
      if (event !== undefined) emit(event);
    };
    stream.onerror = () => {
      if (closed) return;
      setStatus("reconnecting");
      // CONNECTING: the browser retries by itself. CLOSED: it gave up (an HTTP error such as 401).
      if (stream.readyState === EventSource.CLOSED) {
        stream.close();
        options.onClosed?.();
        reopenTimer ??= setTimeout(open, options.reopenDelayMs ?? 2000);
      }
    };
  };
  open();

  return {
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    get status() {
      return status;
    },
    subscribeStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },
    close() {
      closed = true;
      if (reopenTimer !== undefined) clearTimeout(reopenTimer);
      source?.close();
      listeners.clear();
      statusListeners.clear();
    },
  };
}
