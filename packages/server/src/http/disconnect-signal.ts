import type { FastifyRequest } from "fastify";

/**
 * A signal for a long poll that fires when the agent goes away. The connection outlives the request (keep-alive
 * carries an agent's next polls), so `release` must take the listener off it again: left there, every poll
 * added one, and each held its poll's closure for as long as the connection lived.
 */
export function whenDisconnected(request: Pick<FastifyRequest, "raw">): {
  signal: AbortSignal;
  release(): void;
} {
  const abort = new AbortController();
  const onClose = (): void => abort.abort();
  request.raw.once("close", onClose);
  request.raw.socket.once("close", onClose);
  return {
    signal: abort.signal,
    release: () => {
      request.raw.off("close", onClose);
      request.raw.socket.off("close", onClose);
    },
  };
}
