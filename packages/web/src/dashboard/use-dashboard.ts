/**
 * The dashboard's data: the pipeline list, fetched once, then kept current pipeline by pipeline. A run or
 * pipeline event re-fetches only that pipeline's latest run (debounced per pipeline); a config event or a
 * reconnect re-fetches the list. Unchanged pipelines keep their object, so their rows do not re-render.
 */
import {
  ApiRoutes,
  apiPath,
  type PipelineListDto,
  type PipelineStatusDto,
  type PipelineSummaryDto,
} from "@fawkes/protocol";
import { useCallback, useEffect, useRef, useState } from "react";
import { getJson, HttpError } from "../api/http.ts";
import { stateText } from "../format/states.ts";
import { eventPipeline } from "../live/event-match.ts";
import { createKeyedDebouncer } from "../live/keyed-debouncer.ts";
import { useLiveMessages } from "../live/live-context.ts";
import { REFETCH_DEBOUNCE_MS } from "../live/use-resource.ts";
import { useAnnouncer } from "../ui/announcer.tsx";
import { replacePipeline } from "./shape.ts";

export type DashboardPipeline = PipelineSummaryDto & { pauseReason?: string | null };

const LIST_KEY = "\u0000list";

export function useDashboard(): { pipelines: DashboardPipeline[] | undefined; error: Error | undefined } {
  const [pipelines, setPipelines] = useState<DashboardPipeline[] | undefined>();
  const [error, setError] = useState<Error | undefined>();
  const current = useRef<DashboardPipeline[] | undefined>(undefined);
  const debouncer = useRef(createKeyedDebouncer(REFETCH_DEBOUNCE_MS));
  const { announce } = useAnnouncer();

  const update = useCallback((next: DashboardPipeline[]) => {
    current.current = next;
    setPipelines(next);
  }, []);

  const loadPipeline = useCallback(
    async (name: string) => {
      let status: PipelineStatusDto;
      try {
        status = await getJson<PipelineStatusDto>(`${apiPath(ApiRoutes.pipelineStatus, { name })}?limit=1`);
      } catch (failure) {
        // A pipeline removed from the config: the list is out of date.
        if (failure instanceof HttpError && failure.status === 404)
          debouncer.current.schedule(LIST_KEY, () => void loadList());
        return;
      }
      const list = current.current;
      if (list === undefined) return;
      const before = list.find((pipeline) => pipeline.name === name);
      if (before === undefined) return;
      const latest = status.runs[0] ?? null;
      if (
        before.latest !== null &&
        latest !== null &&
        before.latest.counter === latest.counter &&
        before.latest.result !== latest.result &&
        latest.result !== "building"
      ) {
        announce(`${name} ${latest.label}: ${stateText[latest.result].toLowerCase()}`);
      }
      update(
        replacePipeline(list, name, (pipeline) => ({
          ...pipeline,
          paused: status.paused,
          pauseReason: status.pauseReason,
          latest,
        })),
      );
    },
    // loadList (below) is only called later, from the debouncer.
    [announce, update],
  );

  const loadList = useCallback(async () => {
    try {
      const list = await getJson<PipelineListDto>(ApiRoutes.pipelines);
      setError(undefined);
      const previous = new Map((current.current ?? []).map((pipeline) => [pipeline.name, pipeline]));
      // Archived pipelines (history, no config) come apart in the list; the page shows them after the groups.
      const all = [...list.pipelines, ...(list.archived ?? [])];
      update(
        all.map((pipeline) => ({
          ...pipeline,
          pauseReason: previous.get(pipeline.name)?.pauseReason ?? null,
        })),
      );
      // The list has no pause reasons; paused pipelines are few, fetch theirs.
      for (const pipeline of all) if (pipeline.paused) void loadPipeline(pipeline.name);
    } catch (failure) {
      setError(failure instanceof Error ? failure : new Error(String(failure)));
    }
  }, [update, loadPipeline]);

  useEffect(() => {
    void loadList();
    const pending = debouncer.current;
    return () => pending.cancel();
  }, [loadList]);

  useLiveMessages((message) => {
    if (message.type === "config" || message.type === "resync") {
      debouncer.current.schedule(LIST_KEY, () => void loadList());
      return;
    }
    const name = eventPipeline(message);
    if (name !== undefined) debouncer.current.schedule(name, () => void loadPipeline(name));
  });

  return { pipelines, error };
}
