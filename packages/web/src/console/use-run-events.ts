/**
 * Run events from `/api/v1/events` (server-sent events), for the console and the value stream map. Each view
 * opens its own EventSource so these components work on any page; `onRunEvent` also fires with `null` after
 * the stream reconnects, since events may have been missed meanwhile.
 */
import { useEffect, useRef } from "react";
import { ApiRoutes } from "@fawkes/protocol";

export type RunEvent = { pipeline: string; counter: number };

export function useRunEvents(onRunEvent: (event: RunEvent | null) => void): void {
  const handler = useRef(onRunEvent);
  useEffect(() => {
    handler.current = onRunEvent;
  });
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const source = new EventSource(ApiRoutes.events, { withCredentials: true });
    let opened = false;
    source.onopen = () => {
      if (opened) handler.current(null);
      opened = true;
    };
    source.onmessage = (message: MessageEvent<string>) => {
      let event: unknown;
      try {
        event = JSON.parse(message.data);
      } catch {
        return;
      }
      if (isRunEvent(event)) handler.current({ pipeline: event.pipeline, counter: event.counter });
    };
    return () => source.close();
  }, []);
}

function isRunEvent(value: unknown): value is RunEvent & { type: "run" } {
  if (typeof value !== "object" || value === null) return false;
  const event = value as Record<string, unknown>;
  return event.type === "run" && typeof event.pipeline === "string" && typeof event.counter === "number";
}

/** Fetch JSON from the API with the session cookie; throws with the status on non-2xx. */
export async function fetchJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, {
    credentials: "same-origin",
    headers: { accept: "application/json" },
    signal,
  });
  if (!response.ok) throw new HttpError(response.status, `${path} answered ${response.status}`);
  return (await response.json()) as T;
}

export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}
