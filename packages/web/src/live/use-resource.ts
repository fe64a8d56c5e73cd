/**
 * Fetches one GET resource and keeps it current: it is fetched again (debounced, ~50 ms) when a server event
 * says it changed, and after the event stream reconnects. No timers poll the server.
 */
import type { ServerEvent } from "@fawkes/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { getJson } from "../api/http.ts";
import { createKeyedDebouncer } from "./keyed-debouncer.ts";
import { useLiveMessages } from "./live-context.ts";

export const REFETCH_DEBOUNCE_MS = 50;

export interface Resource<T> {
  /** The latest data; kept while a re-fetch is in flight, so the page does not flicker. */
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload(): void;
}

export function useResource<T>(
  path: string | null,
  isAffected: (event: ServerEvent) => boolean,
): Resource<T> {
  const [state, setState] = useState<{ path: string | null; data: T | undefined; error: Error | undefined }>({
    path,
    data: undefined,
    error: undefined,
  });
  const [generation, setGeneration] = useState(0);
  const debouncer = useRef(createKeyedDebouncer(REFETCH_DEBOUNCE_MS));
  const reload = useCallback(() => setGeneration((value) => value + 1), []);

  useEffect(() => {
    if (path === null) return;
    const controller = new AbortController();
    getJson<T>(path, controller.signal).then(
      (data) => setState({ path, data, error: undefined }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        setState((previous) => ({
          path,
          data: previous.path === path ? previous.data : undefined,
          error: error instanceof Error ? error : new Error(String(error)),
        }));
      },
    );
    return () => controller.abort();
  }, [path, generation]);

  useEffect(() => {
    const pending = debouncer.current;
    return () => pending.cancel();
  }, []);

  useLiveMessages((message) => {
    if (message.type === "resync" || isAffected(message)) debouncer.current.schedule("resource", reload);
  });

  const current = state.path === path;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : undefined,
    loading: !current || (state.data === undefined && state.error === undefined),
    reload,
  };
}
