/**
 * `fawkes up` prints a link ending in `#token=…`: the UI exchanges that token for a session cookie and removes
 * it from the address bar (and so from history) at once.
 */

/** The token in a `#token=…` fragment (other fragment parameters are kept in `rest`). */
export function tokenFromFragment(hash: string): { token: string | undefined; rest: string } {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const token = params.get("token") ?? undefined;
  params.delete("token");
  const rest = params.toString();
  return { token: token === "" ? undefined : token, rest: rest === "" ? "" : `#${rest}` };
}
