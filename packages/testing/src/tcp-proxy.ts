import net from "node:net";
import { onCleanup, type CleanupScope } from "./cleanup.ts";

/** A TCP forwarder a test can cut to partition a client from a server, then heal. */
export interface TcpProxy {
  /** e.g. http://127.0.0.1:40123: give this to the client instead of the server's URL. */
  readonly url: string;
  /** Destroys every open connection and refuses new ones until `heal` (a network partition). */
  cut(): void;
  /** Forwards new connections again. */
  heal(): void;
  /** Everything the clients sent through the proxy so far (for reading headers such as a lease id). */
  clientBytes(): string;
}

/**
 * Starts a proxy on an ephemeral local port forwarding to `target` (an http://host:port URL). Cutting it is a
 * partition both ways: the client sees its connections reset and new ones refused, the server sees silence.
 */
export async function startTcpProxy(t: CleanupScope, target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<net.Socket>();
  const sent: Buffer[] = [];
  let partitioned = false;

  const server = net.createServer((client) => {
    if (partitioned) return void client.destroy();
    const upstream = net.connect(Number(port), hostname);
    open.add(client);
    open.add(upstream);
    client.on("data", (chunk: Buffer) => sent.push(chunk));
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => {
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  onCleanup(t, async () => {
    for (const socket of open) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const address = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    cut() {
      partitioned = true;
      for (const socket of open) socket.destroy();
      open.clear();
    },
    heal() {
      partitioned = false;
    },
    clientBytes: () => Buffer.concat(sent).toString("latin1"),
  };
}
