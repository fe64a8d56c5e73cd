import { ApiRoutes, type SessionDto, type SessionRequest } from "@fawkes/protocol";
import { getJson, send } from "../api/http.ts";
import { tokenFromFragment } from "./token-fragment.ts";

export async function logIn(token: string): Promise<void> {
  await send("POST", ApiRoutes.session, { token } satisfies SessionRequest);
}

export async function logOut(): Promise<void> {
  await send("DELETE", ApiRoutes.session);
}

export async function isAuthenticated(): Promise<boolean> {
  return (await getJson<SessionDto>(ApiRoutes.session)).authenticated;
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
      await logIn(token);
    } catch {
      // A stale link: fall through to the login page.
    }
  }
  return isAuthenticated();
}
