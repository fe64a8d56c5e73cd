/**
 * Host-side bridging between TCP and the Unix sockets of an instance directory. Bytes are piped both ways with
 * the streams' backpressure (bounded buffers), a half-close (FIN) on one side is passed on to the other, and an
 * error on one side resets the other.
 */
import http from "node:http";
import net from "node:net";

/** A listening server and the connections it carries, closed together. */
export interface Bridge {
  close(): Promise<void>;
}

/** Pipes `a` and `b` into each other until both directions are done or one side fails. */
export function splice(a: net.Socket, b: net.Socket): void {
  a.pipe(b);
  b.pipe(a);
  const onError = (other: net.Socket) => () => {
    if (other.destroyed) return;
    try {
      other.resetAndDestroy();
    } catch {
      // Only a TCP socket can be reset: for a Unix socket resetAndDestroy throws (ERR_INVALID_HANDLE_TYPE), and
      // uncaught here it would stop the server. Closing it is all a Unix socket has.
      other.destroy();
    }
  };
  a.on("error", onError(b));
  b.on("error", onError(a));
  a.on("close", () => b.destroy());
  b.on("close", () => a.destroy());
}

function tracked(server: net.Server): Bridge {
  const sockets = new Set<net.Socket>();
  server.on("connection", (socket: net.Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function listen(server: net.Server, options: net.ListenOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options, () => {
      server.off("error", reject);
      resolve();
    });
  });
}

/** Forwards every connection to `address:port` (on the host) into the Unix socket at `socketPath`. */
export async function forwardTcpToUnix(address: string, port: number, socketPath: string): Promise<Bridge> {
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    splice(client, net.connect({ path: socketPath, allowHalfOpen: true }));
  });
  const bridge = tracked(server);
  await listen(server, { host: address, port, exclusive: true });
  return bridge;
}

/** Forwards every connection to the Unix socket `socketPath` to `host:port`. */
export async function forwardUnixToTcp(socketPath: string, host: string, port: number): Promise<Bridge> {
  const server = net.createServer({ allowHalfOpen: true }, (client) => {
    splice(client, net.connect({ host, port, allowHalfOpen: true }));
  });
  const bridge = tracked(server);
  await listen(server, { path: socketPath });
  return bridge;
}

/** Serves `handler` over HTTP on the Unix socket `socketPath`. */
export async function serveHttpOnUnix(
  socketPath: string,
  handler: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<Bridge> {
  const server = http.createServer(handler);
  // Metadata clients wait about a second for an answer: nothing slow is legitimate.
  server.headersTimeout = 5_000;
  server.requestTimeout = 10_000;
  server.keepAliveTimeout = 5_000;
  const bridge = tracked(server);
  await listen(server, { path: socketPath });
  return bridge;
}
