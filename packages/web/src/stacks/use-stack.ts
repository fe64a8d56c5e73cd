/**
 * One stack kept current: its details, its resources and its events, the events fetched incrementally
 * (`?after=` the last one seen) whenever the event stream says the stack changed (and after a reconnect). The
 * stack is looked up by the name in the URL once, then by its stack id: a stack that finishes deleting is no
 * longer found by name, and its page follows it to DELETE_COMPLETE.
 */
import {
  ApiRoutes,
  apiPath,
  type StackDetailsDto,
  type StackEventDto,
  type StackEventListDto,
  type StackResourceDto,
  type StackResourceListDto,
} from "@fawkes/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { getJson, request } from "../api/http.ts";
import { createKeyedDebouncer } from "../live/keyed-debouncer.ts";
import { useLiveMessages } from "../live/live-context.ts";
import { REFETCH_DEBOUNCE_MS } from "../live/use-resource.ts";

export interface StackView {
  details: StackDetailsDto | undefined;
  /** Oldest first. */
  events: StackEventDto[];
  resources: StackResourceDto[] | undefined;
  /** The last load's failure (what was loaded before stays). */
  error: Error | undefined;
}

export function useStack(nameOrId: string): StackView & { reload(): void } {
  const [view, setView] = useState<StackView>({
    details: undefined,
    events: [],
    resources: undefined,
    error: undefined,
  });
  const handle = useRef(nameOrId);
  const name = useRef<string | undefined>(undefined);
  const lastEventId = useRef<number | undefined>(undefined);
  const queue = useRef<Promise<void>>(Promise.resolve());
  const alive = useRef(true);
  const debouncer = useRef(createKeyedDebouncer(REFETCH_DEBOUNCE_MS));

  const loadOnce = useCallback(async (): Promise<void> => {
    try {
      const details = await getJson<StackDetailsDto>(apiPath(ApiRoutes.stack, { stack: handle.current }));
      handle.current = details.stackId;
      name.current = details.name;
      const stack = { stack: details.stackId };
      const after = lastEventId.current;
      const [events, resources] = await Promise.all([
        getJson<StackEventListDto>(
          `${apiPath(ApiRoutes.stackEvents, stack)}${after === undefined ? "" : `?after=${after}`}`,
        ),
        getJson<StackResourceListDto>(apiPath(ApiRoutes.stackResources, stack)),
      ]);
      const newest = events.events.at(-1);
      if (newest !== undefined) lastEventId.current = newest.id;
      if (!alive.current) return;
      setView((previous) => ({
        details,
        events: events.events.length === 0 ? previous.events : [...previous.events, ...events.events],
        resources: resources.resources,
        error: undefined,
      }));
    } catch (error) {
      if (!alive.current) return;
      setView((previous) => ({
        ...previous,
        error: error instanceof Error ? error : new Error(String(error)),
      }));
    }
  }, []);

  // One load at a time, in order: two at once could append the same events twice.
  const reload = useCallback(() => {
    queue.current = queue.current.then(loadOnce);
  }, [loadOnce]);

  useEffect(() => {
    alive.current = true;
    const pending = debouncer.current;
    reload();
    return () => {
      alive.current = false;
      pending.cancel();
    };
  }, [reload]);

  useLiveMessages((message) => {
    // Before the first answer the page may be waiting for a stack about to be created under that name.
    const ours = message.type === "stack" && message.stack === (name.current ?? nameOrId);
    if (message.type === "resync" || ours) debouncer.current.schedule("stack", reload);
  });

  return { ...view, reload };
}

/** The stack's template text (fetched once, when its tab is first shown). */
export function useTemplate(stackId: string | undefined): {
  text: string | undefined;
  error: Error | undefined;
} {
  const [state, setState] = useState<{ text: string | undefined; error: Error | undefined }>({
    text: undefined,
    error: undefined,
  });
  useEffect(() => {
    if (stackId === undefined) return;
    const controller = new AbortController();
    request("GET", apiPath(ApiRoutes.stackTemplate, { stack: stackId }), { signal: controller.signal })
      .then(async (response) => setState({ text: await response.text(), error: undefined }))
      .catch((error: unknown) => {
        if (controller.signal.aborted) return;
        setState({ text: undefined, error: error instanceof Error ? error : new Error(String(error)) });
      });
    return () => controller.abort();
  }, [stackId]);
  return state;
}
