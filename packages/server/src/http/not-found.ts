/**
 * The not-found handler (public): client-side routes of the web UI (/pipelines/x, /agents …) all load the app;
 * anything that looks like the API or the agent protocol, however it is spelled, gets a 404 problem instead.
 */
import { ErrorCode, FawkesError } from "@fawkes/protocol";
import type { FastifyReply, FastifyRequest } from "fastify";
import { sendProblem } from "./problem.ts";

/**
 * Whether `target` names something under /api/ or /agent/ once its spelling is undone: absolute form, dot
 * segments, percent-escapes (twice), case and repeated slashes. Such a request never gets the web UI.
 */
export function looksLikeApi(target: string): boolean {
  let path: string;
  try {
    path = new URL(target, "http://fawkes.invalid").pathname;
  } catch {
    return true;
  }
  for (let i = 0; i < 2; i++) {
    try {
      path = decodeURIComponent(path);
    } catch {
      return true;
    }
  }
  path = path.toLowerCase().replace(/\/{2,}/g, "/");
  return /^\/(api|agent)(\/|$)/.test(path) || /\/\.\.?(\/|$)/.test(path);
}

export function notFoundHandler(
  sendIndex: (reply: FastifyReply) => Promise<FastifyReply>,
): (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply> {
  return async (request, reply) => {
    if (request.method === "GET" && !looksLikeApi(request.url)) return sendIndex(reply);
    const path = request.url.split("?")[0] ?? "";
    return sendProblem(
      request,
      reply,
      new FawkesError(ErrorCode.notFound, `no route ${request.method} ${path}`),
    );
  };
}
