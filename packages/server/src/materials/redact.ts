/**
 * Credentials can sit in a repository URL (`https://user:token@host/...`); these helpers keep them out of
 * every message and log line the material layer produces.
 */

const userInfoInUrl = /\b([a-z][a-z0-9+.-]*:\/\/)([^/@\s]+)@/gi;

/**
 * The URL with any password (and, for non-ssh URLs, any user name, which is often a token) replaced by `***`.
 * Works on any text, so git's stderr can be passed through it as well.
 */
export function redactUrl(url: string): string {
  return url.replace(userInfoInUrl, (_match, scheme: string, userInfo: string) => {
    const isSsh = /^(ssh|git\+ssh|ssh\+git):\/\/$/i.test(scheme);
    if (isSsh && !userInfo.includes(":")) return `${scheme}${userInfo}@`;
    return `${scheme}***@`;
  });
}

/** What a repository URL's user info held, percent-decoded: what git's credential protocol wants. */
export interface UrlCredentials {
  username: string;
  password: string;
}

const sshScheme = /^(ssh|git\+ssh|ssh\+git):\/\//i;
const userInfoAtStart = /^([a-z][a-z0-9+.-]*:\/\/)([^/@\s]*)@/i;

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

/**
 * Splits a repository URL into the URL without credentials and the credentials it carried. The URL part is
 * what names mirrors, goes over the wire and is written to disk; the credentials are handed to git in memory
 * only. An ssh user name (`ssh://git@host/…`) is not a secret and stays in the URL (ssh needs it); an ssh
 * password is dropped, since git never sends one. scp-like (`git@host:repo`) and local paths carry none.
 */
export function splitCredentials(url: string): { url: string; credentials?: UrlCredentials } {
  const match = userInfoAtStart.exec(url);
  if (!match) return { url };
  const scheme = match[1]!;
  const userInfo = match[2]!;
  const colon = userInfo.indexOf(":");
  const username = decode(colon < 0 ? userInfo : userInfo.slice(0, colon));
  const password = colon < 0 ? "" : decode(userInfo.slice(colon + 1));
  const rest = url.slice(match[0].length);
  if (sshScheme.test(scheme)) {
    return {
      url:
        username === ""
          ? `${scheme}${rest}`
          : `${scheme}${userInfo.slice(0, colon < 0 ? undefined : colon)}@${rest}`,
    };
  }
  if (username === "" && password === "") return { url: `${scheme}${rest}` };
  return { url: `${scheme}${rest}`, credentials: { username, password } };
}
