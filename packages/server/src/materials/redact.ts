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
