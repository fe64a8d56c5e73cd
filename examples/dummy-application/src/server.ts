/**
 * The workshop's web server: `/` an HTML page, `/style.css` its stylesheet, anything else a 404 text.
 * `node src/server.ts` listens on $HOST:$PORT (default 0.0.0.0:8080).
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { Server } from "node:http";

export const notFoundText = "Keep movin', there ain't nothin' to see here.";

const page = readFileSync(new URL("./public/index.html", import.meta.url));
const stylesheet = readFileSync(new URL("./public/style.css", import.meta.url));

export function createAppServer(): Server {
  return createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://localhost").pathname;
    if (path === "/") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      response.end(page);
    } else if (path === "/style.css") {
      response.writeHead(200, { "content-type": "text/css; charset=utf-8" });
      response.end(stylesheet);
    } else {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end(notFoundText);
    }
  });
}

if (import.meta.main) {
  const port = Number(process.env.PORT ?? 8080);
  const host = process.env.HOST ?? "0.0.0.0";
  const server = createAppServer();
  server.listen(port, host, () => console.log(`dummy application listening on http://${host}:${port}/`));
  const stop = () => server.close(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}
