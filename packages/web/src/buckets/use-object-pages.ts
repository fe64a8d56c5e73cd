import type { ObjectListDto } from "@fawkes/protocol";
import { useCallback, useState } from "react";
import { bucketApi, fetchObjectsPage } from "../api/buckets.ts";
import { errorMessage } from "../api/http.ts";
import { useResource } from "../live/use-resource.ts";
import { noServerEvents } from "./no-events.ts";

export interface ObjectPages {
  /** Every page loaded so far, joined; undefined until the first arrives. */
  listing: ObjectListDto | undefined;
  error: Error | undefined;
  loadingMore: boolean;
  moreError: string | undefined;
  loadMore(): void;
}

/** One folder's listing: the first page, then "Load more" appends the next (the page is keyed by folder). */
export function useObjectPages(bucket: string, prefix: string): ObjectPages {
  const first = useResource<ObjectListDto>(bucketApi.objects(bucket, prefix), noServerEvents);
  // Later pages extend one first page: a re-fetched first page (after a reconnect) starts over.
  const [more, setMore] = useState<{ base: ObjectListDto | undefined; pages: ObjectListDto[] }>({
    base: undefined,
    pages: [],
  });
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<string | undefined>();
  const base = first.data;
  const pages = base === undefined ? [] : [base, ...(more.base === base ? more.pages : [])];
  const last = pages.at(-1);
  const continuation = last?.nextContinuation ?? null;
  const loadMore = useCallback(() => {
    if (continuation === null) return;
    setLoadingMore(true);
    setMoreError(undefined);
    fetchObjectsPage(bucket, prefix, continuation).then(
      (page) => {
        setMore((loaded) => ({ base, pages: [...(loaded.base === base ? loaded.pages : []), page] }));
        setLoadingMore(false);
      },
      (error: unknown) => {
        setMoreError(errorMessage(error));
        setLoadingMore(false);
      },
    );
  }, [bucket, prefix, continuation, base]);
  const listing =
    last === undefined
      ? undefined
      : {
          prefixes: pages.flatMap((page) => page.prefixes),
          objects: pages.flatMap((page) => page.objects),
          nextContinuation: continuation,
        };
  return { listing, error: first.error, loadingMore, moreError, loadMore };
}
