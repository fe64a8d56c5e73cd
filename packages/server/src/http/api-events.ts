/** Server-sent events: one `data:` line per ServerEvent; clients re-fetch what changed. */
import { ApiRoutes } from "@fawkes/protocol";
import type { FastifyInstance } from "fastify";
import type { Engine } from "../engine/engine.ts";
import type { RouteRegistry } from "./registry.ts";

export function eventRoutes(app: FastifyInstance, routes: RouteRegistry, engine: Engine): void {
  routes.add(
    app,
    {
      method: "GET",
      path: ApiRoutes.events,
      summary: "Live change events (text/event-stream)",
      tag: "events",
      access: "user",
      permission: "view",
      produces: "text/event-stream",
    },
    async (_request, reply) => {
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream",
        "cache-control": "no-store",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write(": connected\n\n");
      const unsubscribe = engine.ctx.events.subscribe((event) =>
        res.write(`data: ${JSON.stringify(event)}\n\n`),
      );
      // Comments keep proxies from closing an idle stream.
      const keepAlive = setInterval(() => res.write(": keep-alive\n\n"), 15_000);
      const close = (): void => {
        clearInterval(keepAlive);
        unsubscribe();
      };
      res.once("close", close);
      res.on("error", close);
    },
  );
}
