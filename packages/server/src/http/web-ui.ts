/**
 * Serves the web UI (packages/web/dist): hashed assets cached for a year, index.html never cached; assets as
 * the build compressed them (`.br`/`.gz` beside each, chosen by Accept-Encoding); any other GET that is not an
 * API route gets index.html (client-side routing).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply } from "fastify";
import { declareScopeAccess } from "./access.ts";

/** Where `npm install` (postinstall) builds the UI. */
export const WEB_DIST = path.resolve(import.meta.dirname, "../../../web/dist");

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Fawkes</title>
<p>The web UI is not built. Run <code>npm install</code> (or <code>npm run build -w @fawkes/web</code>) and reload.</p>`;

export async function webUi(
  app: FastifyInstance,
  dist = WEB_DIST,
): Promise<(reply: FastifyReply) => Promise<FastifyReply>> {
  const built = existsSync(path.join(dist, "index.html"));
  const sendIndex = async (reply: FastifyReply): Promise<FastifyReply> => {
    reply.header("cache-control", "no-cache").type("text/html; charset=utf-8");
    return reply.send(built ? await readFile(path.join(dist, "index.html")) : NOT_BUILT);
  };
  if (!built) return sendIndex;
  await app.register(async (scope) => {
    // The UI's files hold no data: everything it shows comes from the API, which checks access itself.
    declareScopeAccess(scope, "public");
    await scope.register(fastifyStatic, {
      root: dist,
      prefix: "/",
      wildcard: true,
      index: false,
      preCompressed: true,
      decorateReply: false,
      setHeaders: (res, file) => {
        res.header(
          "cache-control",
          file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
        );
      },
    });
    scope.get("/", async (_request, reply) => sendIndex(reply));
  });
  return sendIndex;
}
