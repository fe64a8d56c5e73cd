import type { Agent, IncomingHttpHeaders, IncomingMessage, request } from "node:http";
import type { Readable } from "node:stream";

// Not `import http from "node:http"`: an ESM import reads every export of the module, and node:http's lazy
// ones load undici, http2 and worker_threads (~13 MB of RSS on every build host) that the agent never uses.
const http = process.getBuiltinModule("node:http");

/** A request body: bytes, bytes in parts (sent one after the other, never joined), or a stream. */
export type TransportBody = Buffer | readonly Buffer[] | Readable;

/** One HTTP exchange. `body` is a factory so a request can be sent again after a connection failure. */
export interface TransportRequest {
  method: "GET" | "POST" | "PUT";
  /** Path and query, already encoded. */
  path: string;
  headers: Record<string, string>;
  body?: () => TransportBody;
  /** Abort when the socket is idle this long (long polls pass their wait plus a margin). */
  idleTimeoutMs: number;
  signal: AbortSignal;
}

export interface TransportResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** Unread body; the caller consumes or discards it. */
  stream: IncomingMessage;
}

/** A network-level failure (refused, reset, timed out): the server is unreachable for now. */
export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
  }
}

/** Thin keep-alive HTTP(S) client over node:http: no buffering of bodies, so uploads and downloads stream. */
export class HttpTransport {
  readonly #base: URL;
  readonly #agent: Agent;
  readonly #request: typeof request;

  constructor(serverUrl: string) {
    this.#base = new URL(serverUrl);
    // node:https (and with it TLS and node:crypto, ~3 MB resident) only for a server that needs it.
    const client = this.#base.protocol === "https:" ? process.getBuiltinModule("node:https") : http;
    this.#agent = new client.Agent({ keepAlive: true });
    this.#request = client.request;
  }

  send(req: TransportRequest): Promise<TransportResponse> {
    return new Promise((resolve, reject) => {
      if (req.signal.aborted) return reject(req.signal.reason);
      const basePath = this.#base.pathname.replace(/\/$/, "");
      const body = req.body?.();
      const headers: Record<string, string> = { ...req.headers };
      if (Buffer.isBuffer(body)) headers["content-length"] = String(body.length);
      else if (isParts(body)) headers["content-length"] = String(partsLength(body));
      const outgoing = this.#request({
        protocol: this.#base.protocol,
        hostname: this.#base.hostname,
        port: this.#base.port,
        method: req.method,
        path: basePath + req.path,
        headers,
        agent: this.#agent,
        signal: req.signal,
      });
      let settled = false;
      const fail = (error: unknown): void => {
        if (settled) return;
        settled = true;
        if (req.signal.aborted) return reject(req.signal.reason);
        reject(new TransportError(error instanceof Error ? error.message : String(error), { cause: error }));
      };
      outgoing.setTimeout(req.idleTimeoutMs, () => outgoing.destroy(new Error("request timed out")));
      outgoing.on("error", fail);
      outgoing.on("response", (incoming) => {
        settled = true;
        // After the response arrives, idleness is the reader's concern.
        outgoing.setTimeout(0);
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, stream: incoming });
      });
      if (body === undefined) outgoing.end();
      else if (Buffer.isBuffer(body)) outgoing.end(body);
      else if (isParts(body)) {
        for (const part of body) outgoing.write(part);
        outgoing.end();
      } else {
        body.on("error", (error) => outgoing.destroy(error));
        body.pipe(outgoing);
      }
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function isParts(body: TransportBody | undefined): body is readonly Buffer[] {
  return Array.isArray(body);
}

export function partsLength(parts: readonly Buffer[]): number {
  let length = 0;
  for (const part of parts) length += part.length;
  return length;
}

/** Reads a whole (small) response body. */
export async function readBody(stream: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
