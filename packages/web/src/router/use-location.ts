import { useMemo, useSyncExternalStore } from "react";
import { currentUrl, subscribeToLocation } from "./navigation.ts";
import { matchRoute, type Route } from "./routes.ts";

/** The current route; re-renders on navigation and on back/forward. */
export function useRoute(): Route {
  const url = useSyncExternalStore(subscribeToLocation, currentUrl);
  return useMemo(() => {
    const queryStart = url.indexOf("?");
    return queryStart === -1 ? matchRoute(url) : matchRoute(url.slice(0, queryStart), url.slice(queryStart));
  }, [url]);
}
