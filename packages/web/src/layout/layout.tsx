import type { ReactNode } from "react";
import type { Route } from "../router/routes.ts";
import { AppHeader } from "./app-header.tsx";
import { ConfigBanner } from "./config-banner.tsx";

/** Every page: skip link, header with navigation, config banner, then the page itself. */
export function Layout({
  route,
  onLogOut,
  children,
}: {
  route: Route;
  onLogOut(): void;
  children: ReactNode;
}) {
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <AppHeader route={route} onLogOut={onLogOut} />
      <ConfigBanner />
      <main id="main" className="page" tabIndex={-1}>
        {children}
      </main>
    </>
  );
}
