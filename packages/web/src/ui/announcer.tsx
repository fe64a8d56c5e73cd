/**
 * The polite live region: results of commands and status changes are announced to screen readers and shown
 * in a small status bar at the bottom of the page.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from "react";

interface Announcement {
  id: number;
  text: string;
  tone: "info" | "error";
}

interface Announcer {
  announce(text: string, tone?: "info" | "error"): void;
}

const AnnouncerContext = createContext<Announcer>({ announce: () => undefined });

export function useAnnouncer(): Announcer {
  return useContext(AnnouncerContext);
}

const VISIBLE_MS = 6000;

export function AnnouncerProvider({ children }: { children: ReactNode }) {
  const [current, setCurrent] = useState<Announcement | undefined>();
  const announce = useCallback((text: string, tone: "info" | "error" = "info") => {
    setCurrent((previous) => ({ id: (previous?.id ?? 0) + 1, text, tone }));
  }, []);
  const value = useMemo(() => ({ announce }), [announce]);

  useEffect(() => {
    if (current === undefined || current.tone === "error") return;
    const timer = setTimeout(
      () => setCurrent((shown) => (shown?.id === current.id ? undefined : shown)),
      VISIBLE_MS,
    );
    return () => clearTimeout(timer);
  }, [current]);

  return (
    <AnnouncerContext.Provider value={value}>
      {children}
      <div className="announcer" role="status" aria-live="polite" aria-atomic="true">
        {current !== undefined && (
          <p key={current.id} className={`announcement announcement-${current.tone}`}>
            <span>{current.text}</span>
            <button type="button" className="link-button" onClick={() => setCurrent(undefined)}>
              Dismiss
            </button>
          </p>
        )}
      </div>
    </AnnouncerContext.Provider>
  );
}
