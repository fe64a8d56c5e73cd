import { useIsAdmin, useUserName } from "../auth/permissions.ts";
import { Link } from "../router/link.tsx";
import { href, type Route } from "../router/routes.ts";
import { LiveIndicator } from "./live-indicator.tsx";
import { navItems } from "./nav-items.ts";

export function AppHeader({ route, onLogOut }: { route: Route; onLogOut(): void }) {
  const user = useUserName();
  const admin = useIsAdmin();
  const items = navItems.filter((item) => admin || item.adminOnly !== true);
  return (
    <header className="app-header">
      <Link href="/" className="brand">
        <span className="brand-mark" aria-hidden="true">
          ◆
        </span>
        Fawkes
      </Link>
      <nav aria-label="Main" className="main-nav">
        <ul>
          {items.map((item) => (
            <li key={item.label}>
              {item.available ? (
                <Link href={item.href} aria-current={item.pages.includes(route.page) ? "page" : undefined}>
                  {item.label}
                </Link>
              ) : (
                <span className="nav-disabled" aria-disabled="true" title="Coming in a later release">
                  {item.label}
                  <span className="visually-hidden"> (not available yet)</span>
                </span>
              )}
            </li>
          ))}
        </ul>
      </nav>
      <div className="header-tools">
        <LiveIndicator />
        <Link
          href={href.account()}
          className="header-account"
          aria-current={route.page === "account" ? "page" : undefined}
        >
          Account
        </Link>
        <button
          type="button"
          className="button button-quiet"
          onClick={onLogOut}
          title={user === undefined ? undefined : `Logged in as ${user}`}
        >
          Log out{user === undefined ? "" : ` ${user}`}
        </button>
      </div>
    </header>
  );
}
