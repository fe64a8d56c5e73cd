/**
 * Stable addresses (issue 15 item 4): what one connection through an address proxy costs in the server process
 * (no helper process: two sockets and their buffers), and the latency it adds to a request. Opens N idle
 * connections (`FAWKES_BENCH_CONNECTIONS`, default 2000; 200 with `--quick`) through one address to a local HTTP
 * server and prints this process's RSS growth per connection, then the median time of 200 one-shot requests
 * through the address and straight to the server. Run alone: `node bench/addresses.ts [--quick]`.
 */
import http from "node:http";
import net from "node:net";
import { parseArgs } from "node:util";
import { startAddressProxy } from "@fawkes/cloud";
import { rssMiB } from "./lib/proc.ts";
import { summarize } from "./lib/stats.ts";

const { values } = parseArgs({ options: { quick: { type: "boolean", default: false } } });
const count = Number(process.env.FAWKES_BENCH_CONNECTIONS ?? (values.quick ? 200 : 2000));
const target = "127.100.254.254";
const address = "127.101.254.254";

const server = http.createServer((_request, response) => response.end("ok\n"));
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(8080, target, resolve));
const proxy = await startAddressProxy({
  address,
  rules: [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidr: "0.0.0.0/0" }],
  target: { ip: target },
});

const connect = (host: string): Promise<net.Socket> =>
  new Promise((resolve, reject) => {
    const socket = net.connect({ host, port: 8080 }, () => resolve(socket));
    socket.on("error", reject);
  });

const time = async (host: string): Promise<number> => {
  const started = performance.now();
  await new Promise<void>((resolve, reject) =>
    http
      .get({ host, port: 8080, agent: false }, (response) => response.resume().on("end", resolve))
      .on("error", reject),
  );
  return performance.now() - started;
};

for (let i = 0; i < 50; i++) await time(address); // warm-up
globalThis.gc?.();
const before = rssMiB(process.pid);
const sockets: net.Socket[] = [];
for (let i = 0; i < count; i++) sockets.push(await connect(address));
while (proxy.openConnections() < count) await new Promise((resolve) => setImmediate(resolve));
globalThis.gc?.();
const after = rssMiB(process.pid);
// Each connection through the proxy also has the test client's socket and the server's socket in this process:
// measure those alone (direct connections) and subtract them.
const direct: net.Socket[] = [];
globalThis.gc?.();
const beforeDirect = rssMiB(process.pid);
for (let i = 0; i < count; i++) direct.push(await connect(target));
globalThis.gc?.();
const afterDirect = rssMiB(process.pid);

const through: number[] = [];
const straight: number[] = [];
for (let i = 0; i < 200; i++) {
  through.push(await time(address));
  straight.push(await time(target));
}
const perProxy = ((after - before - (afterDirect - beforeDirect)) * 1024) / count;
console.log(`connections: ${count}`);
console.log(`RSS per connection through the proxy: ${(((after - before) * 1024) / count).toFixed(1)} KiB`);
console.log(`  of which the proxy's own (minus a direct connection's): ${perProxy.toFixed(1)} KiB`);
console.log(
  `request latency: through the address ${summarize(through).median.toFixed(2)} ms, ` +
    `direct ${summarize(straight).median.toFixed(2)} ms (medians of 200)`,
);
for (const socket of [...sockets, ...direct]) socket.destroy();
await proxy.close();
server.closeAllConnections();
server.close();
