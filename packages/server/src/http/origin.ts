/** Cross-origin writes with the web UI's cookie are refused, whatever the Origin header holds. */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { FastifyRequest } from "fastify";

/**
 * Throws 403 unless the request's Origin (when a browser sent one) is this server's. `Origin: null` (sandboxed
 * frames, file: pages, some redirects) and an Origin that is not a URL are refused, never a 500.
 */
export function refuseCrossOrigin(request: FastifyRequest): void {
  const origin = request.headers.origin;
  if (origin === undefined) return;
  let host: string | undefined;
  try {
    host = new URL(origin).host;
  } catch {
    host = undefined;
  }
  if (!host || host !== request.headers.host)
    throw new FawkesError(ErrorCode.forbidden, "cross-origin request refused");
}
