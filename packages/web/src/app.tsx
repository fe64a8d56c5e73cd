/**
 * The app shell: checks the session (logging in with a `#token=` link), shows the login page on a 401, and
 * otherwise opens the live event stream and renders the page for the current URL.
 */
import type { MeDto } from "@fawkes/protocol";
import { useCallback, useEffect, useState, type ReactNode } from "react";
import { onUnauthorized } from "./api/http.ts";
import { LoginPage } from "./auth/login-page.tsx";
import { fetchMe, PermissionsContext } from "./auth/permissions.ts";
import { isAuthenticated, logOut, startSession } from "./auth/session.ts";
import { ConfigHealthContext, useConfigHealthResource } from "./config-health/config-health-context.ts";
import { Layout } from "./layout/layout.tsx";
import { LiveEventsContext } from "./live/live-context.ts";
import { createLiveEvents, type LiveEvents } from "./live/live-events.ts";
import { PageSwitch } from "./pages/page-switch.tsx";
import { useRoute } from "./router/use-location.ts";
import { AnnouncerProvider } from "./ui/announcer.tsx";

type SessionState = "checking" | "anonymous" | "authenticated" | { error: string };

export function App() {
  const [session, setSession] = useState<SessionState>("checking");

  useEffect(() => {
    onUnauthorized(() => setSession("anonymous"));
    startSession().then(
      (authenticated) => setSession(authenticated ? "authenticated" : "anonymous"),
      (error: unknown) => setSession({ error: error instanceof Error ? error.message : String(error) }),
    );
    return () => onUnauthorized(undefined);
  }, []);

  const handleLogOut = useCallback(() => {
    void logOut().finally(() => setSession("anonymous"));
  }, []);
  const handleSessionEnded = useCallback(() => setSession("anonymous"), []);

  if (session === "checking") return <p className="muted page">Loading…</p>;
  if (typeof session === "object") {
    return (
      <main className="page" id="main">
        <h1>Fawkes is not reachable</h1>
        <p className="notice notice-error" role="alert">
          {session.error}
        </p>
        <button type="button" className="button button-primary" onClick={() => location.reload()}>
          Try again
        </button>
      </main>
    );
  }
  if (session === "anonymous") return <LoginPage onLoggedIn={() => setSession("authenticated")} />;
  return (
    <AnnouncerProvider>
      <LiveApp onLogOut={handleLogOut} onSessionEnded={handleSessionEnded} />
    </AnnouncerProvider>
  );
}

function LiveApp({ onLogOut, onSessionEnded }: { onLogOut(): void; onSessionEnded(): void }) {
  const [live, setLive] = useState<LiveEvents | null>(null);
  const [me, setMe] = useState<MeDto | null>(null);
  useEffect(() => {
    // Until it answers, only what a viewer may do is shown.
    fetchMe().then(setMe, () => undefined);
  }, []);
  useEffect(() => {
    const events = createLiveEvents({
      // The stream fails for good on a 401: find out whether the session ended.
      onClosed: () =>
        void isAuthenticated().then(
          (ok) => ok || onSessionEnded(),
          () => undefined,
        ),
    });
    setLive(events);
    return () => events.close();
  }, [onSessionEnded]);
  if (live === null) return null;
  return (
    <PermissionsContext.Provider value={me}>
      <LiveEventsContext.Provider value={live}>
        <ConfigHealthProvider>
          <Routed onLogOut={onLogOut} />
        </ConfigHealthProvider>
      </LiveEventsContext.Provider>
    </PermissionsContext.Provider>
  );
}

function ConfigHealthProvider({ children }: { children: ReactNode }) {
  const health = useConfigHealthResource();
  return <ConfigHealthContext.Provider value={health}>{children}</ConfigHealthContext.Provider>;
}

function Routed({ onLogOut }: { onLogOut(): void }) {
  const route = useRoute();
  return (
    <Layout route={route} onLogOut={onLogOut}>
      <PageSwitch route={route} />
    </Layout>
  );
}
