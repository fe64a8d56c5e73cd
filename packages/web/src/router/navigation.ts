/**
 * Client-side navigation over the History API: `navigate` pushes a URL and tells subscribers; the back and
 * forward buttons arrive as `popstate`. React reads the location through `useLocation` (use-location.ts).
 */

const NAVIGATE_EVENT = "fawkes:navigate";

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentUrl()) return;
  if (options.replace === true) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
  if (options.replace !== true) window.scrollTo(0, 0);
}

export function currentUrl(): string {
  return location.pathname + location.search;
}

export function subscribeToLocation(listener: () => void): () => void {
  window.addEventListener("popstate", listener);
  window.addEventListener(NAVIGATE_EVENT, listener);
  return () => {
    window.removeEventListener("popstate", listener);
    window.removeEventListener(NAVIGATE_EVENT, listener);
  };
}

/**
 * Whether a click on a link should become client-side navigation: a plain left click on a same-origin link
 * (modified clicks open new tabs as the browser would).
 */
export function isPlainClick(event: {
  button: number;
  metaKey: boolean;
  ctrlKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
  defaultPrevented: boolean;
}): boolean {
  return (
    !event.defaultPrevented &&
    event.button === 0 &&
    !event.metaKey &&
    !event.ctrlKey &&
    !event.shiftKey &&
    !event.altKey
  );
}
