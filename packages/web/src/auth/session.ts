import { ApiRoutes, type SessionDto, type SessionRequest } from "@fawkes/protocol";
import { getJson, send, setCsrfToken } from "../api/http.ts";
import { tokenFromFragment } from "./token-fragment.ts";

async function startWith(request: SessionRequest): Promise<void> {
  const session = await send<SessionDto>("POST", ApiRoutes.session, request);
  setCsrfToken(session?.csrfToken);
}

/** Logs in with a user's name and password. */
export function logIn(user: string, password: string): Promise<void> {
  return startWith({ user, password });
}

/** Logs in as the bootstrap administrator with the API token (`fawkes up`'s `#token=` link). */
export function logInWithToken(token: string): Promise<void> {
  return startWith({ token });
}

export async function logOut(): Promise<void> {
  await send("DELETE", ApiRoutes.session);
  setCsrfToken(undefined);
}

/** Whether the browser's session is valid; keeps its CSRF token for the writes to come. */
export async function isAuthenticated(): Promise<boolean> {
  const session = await getJson<SessionDto>(ApiRoutes.session);
  setCsrfToken(session.authenticated ? session.csrfToken : undefined);
  return session.authenticated;
}

/**
 * Start-up: log in with a `#token=` from the address (then drop it from the URL), and report whether the
 * browser has a valid session.
 */
export async function startSession(): Promise<boolean> {
  const { token, rest } = tokenFromFragment(location.hash);
  if (token !== undefined) {
    history.replaceState(history.state, "", location.pathname + location.search + rest);
    try {
      await logInWithToken(token);
    } catch {
      // A stale link: fall through to the login page.
    }
  }
  return isAuthenticated();
}
