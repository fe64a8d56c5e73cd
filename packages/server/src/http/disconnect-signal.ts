import type { FastifyRequest } from "fastify";

/**
 * A signal for a long poll that fires when the agent goes away. The connection outlives the request (keep-alive
 * carries an agent's next polls), so `release` must take the listener off it again: left there, every poll
 * added one, and each held its poll's closure for as long as the connection lived. The request's own "close"
 * is no sign of that: it fires as soon as the body has been read, which may be just after the handler starts.
 */
export function whenDisconnected(request: Pick<FastifyRequest, "raw">): {
  signal: AbortSignal;
  release(): void;
} {
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  request.raw.socket.once("close", onClose);
  if (request.raw.socket.destroyed) abort.abort();
  return {
    signal: abort.signal,
    release: () => {
      request.raw.socket.off("close", onClose);
    },
  };
}
