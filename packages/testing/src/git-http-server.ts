import { spawn } from "node:child_process";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { onCleanup, type CleanupScope } from "./cleanup.ts";

/** A private git repository served over HTTP with Basic auth, as a git host serves one. */
export interface GitHttpServer {
  /** `http://127.0.0.1:PORT/NAME.git`, without credentials. */
  readonly url: string;
  /** The same URL with `user:password@` in it, as a pipeline's material names it. */
  readonly authenticatedUrl: string;
  /** Requests answered so far, by whether they carried the right credentials. */
  readonly requests: { authorized: number; refused: number };
}

export interface GitHttpServerOptions {
  username: string;
  password: string;
}

/**
 * Serves the non-bare repository at `repoPath` through git's own smart-HTTP CGI (`git http-backend`) from a
 * node:http server on 127.0.0.1 that answers 401 to any request without the right Basic credentials. Reads
 * and pushes both work (`http.receivepack` is on), as on a real host.
 */
export async function startGitHttpServer(
  t: CleanupScope,
  repoPath: string,
  options: GitHttpServerOptions,
): Promise<GitHttpServer> {
  const expected = `Basic ${Buffer.from(`${options.username}:${options.password}`).toString("base64")}`;
  const requests = { authorized: 0, refused: 0 };
  const name = path.basename(repoPath);
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    if (request.headers.authorization !== expected) {
      requests.refused++;
      response.writeHead(401, { "www-authenticate": 'Basic realm="fawkes-test"' }).end();
      request.resume();
      return;
    }
    requests.authorized++;
    const url = new URL(request.url ?? "/", "http://localhost");
    const prefix = `/${name}.git`;
    if (!url.pathname.startsWith(prefix)) {
      response.writeHead(404).end();
      request.resume();
      return;
    }
    const cgi = spawn("git", ["http-backend"], {
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        GIT_PROJECT_ROOT: path.dirname(repoPath),
        GIT_HTTP_EXPORT_ALL: "1",
        GIT_CONFIG_COUNT: "1",
        GIT_CONFIG_KEY_0: "http.receivepack",
        GIT_CONFIG_VALUE_0: "true",
        PATH_INFO: `/${name}${url.pathname.slice(prefix.length)}`,
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: request.method ?? "GET",
        CONTENT_TYPE: request.headers["content-type"] ?? "",
        REMOTE_USER: options.username,
        REMOTE_ADDR: "127.0.0.1",
        ...(request.headers["git-protocol"] ? { GIT_PROTOCOL: String(request.headers["git-protocol"]) } : {}),
        ...(request.headers["content-encoding"]
          ? { HTTP_CONTENT_ENCODING: String(request.headers["content-encoding"]) }
          : {}),
      },
      stdio: ["pipe", "pipe", "ignore"],
    });
    request.pipe(cgi.stdin);
    cgi.stdin.on("error", () => {});
    // CGI output: headers up to a blank line, then the body.
    let head = Buffer.alloc(0);
    let headersDone = false;
    cgi.stdout.on("data", (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf("\r\n\r\n");
      if (end < 0) return;
      headersDone = true;
      let status = 200;
      for (const line of head.subarray(0, end).toString("latin1").split("\r\n")) {
        const colon = line.indexOf(":");
        const key = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (key.toLowerCase() === "status") status = Number(value.split(" ")[0]);
        else response.setHeader(key, value);
      }
      response.writeHead(status);
      response.write(head.subarray(end + 4));
    });
    cgi.on("close", () => {
      if (!headersDone) response.writeHead(500);
      response.end();
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(t, () => new Promise<void>((resolve) => server.close(() => resolve())));
  server.closeIdleConnections();
  const port = (server.address() as AddressInfo).port;
  const auth = `${encodeURIComponent(options.username)}:${encodeURIComponent(options.password)}`;
  return {
    url: `http://127.0.0.1:${port}/${name}.git`,
    authenticatedUrl: `http://${auth}@127.0.0.1:${port}/${name}.git`,
    requests,
  };
}
