/**
 * A stable address in the server process: one TCP listener on `address:PORT` for each port its target's security
 * group rules open, each accepted connection piped to the target as it is at that accept (`targetIp:PORT`). A
 * move is one assignment, so it is atomic: the next accept goes to the new target while connections already open
 * stay where they are until they end or are drained. No helper process: a connection costs two sockets and
 * their buffers in this process (bench/addresses.ts measures it).
 */
import net from "node:net";
import type { CloudLogger } from "../../../endpoint.ts";
import { admits, listenedPorts, type IngressRule } from "./rules.ts";

export interface AddressTarget {
  /** The instance's address (`127.100.x.y`): connections go to `ip:PORT`, the port they came in on. */
  readonly ip: string;
  /** Ports the target serves: where a wide rule (or `-1`) gets listeners. @default [] */
  readonly exposedPorts?: readonly number[];
}

export interface AddressProxyOptions {
  /** The stable address (`127.101.x.y`); nothing but loopback is accepted. */
  readonly address: string;
  readonly rules?: readonly IngressRule[];
  /** @default none: no listener until a target is set */
  readonly target?: AddressTarget;
  readonly log?: CloudLogger;
}

export interface DrainResult {
  /** True when the connections ended by themselves before the timeout. */
  readonly drained: boolean;
  /** Connections still open at the timeout, closed then. */
  readonly closed: number;
}

export interface AddressProxy {
  readonly address: string;
  /** The current target (new connections go there). */
  readonly target: AddressTarget | undefined;
  /** Ports listened on now, ascending. */
  ports(): number[];
  /** Open connections, to `targetIp` only when given. */
  openConnections(targetIp?: string): number;
  /** Switches new connections to `target` (none: stop listening); open ones stay. Listeners follow. */
  moveTo(target: AddressTarget | undefined): Promise<void>;
  /** Replaces the rules: listeners appear and disappear; open connections stay. */
  setRules(rules: readonly IngressRule[]): Promise<void>;
  /** Resolves when no connection to `targetIp` is open, or after `timeoutMs` having closed what was left. */
  drain(targetIp: string, options: { timeoutMs: number }): Promise<DrainResult>;
  /** Stops every listener and closes every connection. */
  close(): Promise<void>;
}

interface Piped {
  readonly targetIp: string;
  close(): void;
}

const LOOPBACK = /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/;
/**
 * Resets a connection (RST), as the instance bridges do on errors. A socket not yet connected or already ended
 * is destroyed instead: resetting one of those leaves its handle open.
 */
function reset(socket: net.Socket): void {
  if (socket.destroyed) return;
  if (socket.connecting || socket.readyState !== "open") socket.destroy();
  else socket.resetAndDestroy();
}

const SILENT: CloudLogger = { info: () => {}, warn: () => {}, error: () => {} };

export async function startAddressProxy(options: AddressProxyOptions): Promise<AddressProxy> {
  if (!LOOPBACK.test(options.address))
    throw new Error(`stable address '${options.address}' is not a loopback IPv4 address`);
  const log = options.log ?? SILENT;
  const address = options.address;
  let rules: readonly IngressRule[] = options.rules ?? [];
  let target: AddressTarget | undefined;
  let closed = false;
  const listeners = new Map<number, net.Server>();
  const open = new Set<Piped>();
  const emptied = new Set<() => void>();
  // Listener changes one at a time, so a move and a rule change never interleave their binds.
  let changing: Promise<void> = Promise.resolve();

  const forget = (piped: Piped): void => {
    if (!open.delete(piped)) return;
    for (const check of emptied) check();
  };

  const accept = (port: number, client: net.Socket): void => {
    const to = target;
    const source = client.remoteAddress ?? "";
    if (to === undefined || !admits(rules, port, source)) {
      reset(client);
      return;
    }
    client.setNoDelay(true);
    const upstream = net.connect({ host: to.ip, port, allowHalfOpen: true, noDelay: true });
    let ended = 0;
    const piped: Piped = {
      targetIp: to.ip,
      close: () => {
        reset(client);
        reset(upstream);
      },
    };
    open.add(piped);
    const fail = (): void => {
      // An error on one side resets the other, as the instance bridges do.
      reset(client);
      reset(upstream);
    };
    const done = (): void => {
      if (++ended === 2) forget(piped);
    };
    client.on("error", fail).on("close", done);
    upstream.on("error", fail).on("close", done);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = (port: number): Promise<void> =>
    new Promise((resolve) => {
      const server = net.createServer({ allowHalfOpen: true }, (client) => accept(port, client));
      server.once("error", (error) => {
        log.warn({ address, port, err: error }, "stable address port not listened on");
        resolve();
      });
      server.listen({ host: address, port, exclusive: true }, () => {
        listeners.set(port, server);
        resolve();
      });
    });

  const unlisten = (port: number): Promise<void> => {
    // Stops accepting at once; connections already piped stay open (close's callback would wait for them).
    listeners.get(port)?.close(() => {});
    listeners.delete(port);
    return Promise.resolve();
  };

  const reconcile = (): Promise<void> => {
    const next = changing.then(async () => {
      const wanted = new Set(
        closed || target === undefined ? [] : listenedPorts(rules, target.exposedPorts ?? []),
      );
      await Promise.all([...listeners.keys()].filter((port) => !wanted.has(port)).map(unlisten));
      await Promise.all([...wanted].filter((port) => !listeners.has(port)).map(listen));
    });
    changing = next.catch(() => {});
    return next;
  };

  const count = (targetIp?: string): number =>
    [...open].filter((piped) => targetIp === undefined || piped.targetIp === targetIp).length;

  const proxy: AddressProxy = {
    address,
    get target() {
      return target;
    },
    ports: () => [...listeners.keys()].sort((a, b) => a - b),
    openConnections: count,
    moveTo(next) {
      if (closed) return Promise.reject(new Error(`stable address ${address} is closed`));
      target = next;
      return reconcile();
    },
    setRules(next) {
      rules = [...next];
      return reconcile();
    },
    drain(targetIp, { timeoutMs }) {
      return new Promise<DrainResult>((resolve) => {
        let closedAtTimeout = 0;
        const check = (): void => {
          if (count(targetIp) > 0) return;
          emptied.delete(check);
          clearTimeout(timer);
          resolve({ drained: closedAtTimeout === 0, closed: closedAtTimeout });
        };
        const timer = setTimeout(() => {
          const left = [...open].filter((piped) => piped.targetIp === targetIp);
          closedAtTimeout = left.length;
          // `check` resolves once their sockets have closed (on the next turns).
          for (const piped of left) piped.close();
        }, timeoutMs);
        emptied.add(check);
        check();
      });
    },
    async close() {
      closed = true;
      target = undefined;
      for (const piped of open) piped.close();
      await reconcile();
    },
  };
  target = options.target;
  await reconcile();
  return proxy;
}
