/**
 * Stable addresses (issue 15 item 4): real loopback listeners, real HTTP servers as the instances, a bounded
 * load generator hitting the address while it moves.
 */
import assert from "node:assert/strict";
import http from "node:http";
import { test, type TestContext } from "node:test";
import { addressBlock, probeHttp, startLoad, waitFor } from "@fawkes/testing";
import {
  ingressRulesOf,
  listenedPorts,
  startAddressProxy,
  type AddressProxy,
  type AddressProxyOptions,
  type IngressRule,
} from "../../src/providers/local/addresses/index.ts";

const instanceIp = addressBlock("127.100");
const elasticIp = addressBlock("127.101");

const OPEN_8080: IngressRule[] = [{ protocol: "tcp", fromPort: 8080, toPort: 8080, cidr: "0.0.0.0/0" }];

interface App {
  ip: string;
  server: http.Server;
  /** Requests to `/hold` wait until this is called, then answer `<name> held`. */
  release(): void;
}

async function app(t: TestContext, name: string, port = 8080): Promise<App> {
  const ip = instanceIp();
  const held: http.ServerResponse[] = [];
  let released = false;
  const server = http.createServer((request, response) => {
    if (request.url === "/hold") {
      response.writeHead(200, { "content-type": "text/plain" });
      response.write(`${name} holding\n`);
      if (released) response.end(`${name} held\n`);
      else held.push(response);
      return;
    }
    response.end(`${name}\n`);
  });
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(port, ip, resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    ip,
    server,
    release() {
      released = true;
      for (const response of held.splice(0)) response.end(`${name} held\n`);
    },
  };
}

async function proxyFor(
  t: TestContext,
  options: Omit<AddressProxyOptions, "address">,
): Promise<AddressProxy> {
  const proxy = await startAddressProxy({ address: elasticIp(), ...options });
  t.after(() => proxy.close());
  return proxy;
}

const probe = (host: string, port = 8080): Promise<string> => probeHttp(host, port);

/** A request to `/hold` through the address: resolves with the first line once it is open, and the rest later. */
function hold(host: string): Promise<{ first: string; rest: Promise<string> }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host, port: 8080, path: "/hold", agent: false }, (response) => {
      response.setEncoding("utf8");
      let body = "";
      let resolveRest: (text: string) => void = () => {};
      const rest = new Promise<string>((done, fail) => {
        resolveRest = done;
        response.on("error", fail);
        response.on("aborted", () => fail(new Error("aborted")));
      });
      response.on("data", (chunk: string) => {
        if (body === "") resolve({ first: chunk.trim(), rest });
        body += chunk;
      });
      response.on("end", () => resolveRest(body));
    });
    request.on("error", reject);
  });
}

test("a move under load: zero failed requests, new requests go to B, A's long connection survives until drained", async (t) => {
  const a = await app(t, "A");
  const b = await app(t, "B");
  const proxy = await proxyFor(t, { rules: OPEN_8080, target: { ip: a.ip } });
  assert.deepEqual(proxy.ports(), [8080]);
  const load = startLoad(`http://${proxy.address}:8080/`, { clients: 4, deadlineMs: 30_000 });
  t.after(() => load.stop());
  const answered = (name: string, after = 0): number =>
    load.samples.filter((sample) => sample.body === name && sample.startedAt >= after).length;
  await waitFor(() => answered("A") >= 50, { message: "50 answers from A" });

  const long = await hold(proxy.address);
  assert.equal(long.first, "A holding");
  await proxy.moveTo({ ip: b.ip });
  const moved = performance.now();
  await waitFor(() => answered("B", moved) >= 50, { message: "50 answers from B after the move" });
  assert.equal(proxy.openConnections(a.ip), 1, "the long connection to A is still open");

  const drained = proxy.drain(a.ip, { timeoutMs: 10_000 });
  a.release();
  assert.equal(await long.rest, "A holding\nA held\n", "the connection open at the move finished on A");
  assert.deepEqual(await drained, { drained: true, closed: 0 });
  await new Promise<void>((resolve) => a.server.close(() => resolve()));
  const closedAt = performance.now();
  await waitFor(() => answered("B", closedAt) >= 50, { message: "50 answers from B with A closed" });
  await load.stop();

  assert.deepEqual(load.failures(), [], "no request failed");
  const late = load.samples.filter((sample) => sample.startedAt >= moved);
  assert.ok(late.length >= 100);
  assert.deepEqual(
    late.filter((sample) => sample.body !== "B"),
    [],
    "every request started after the move was answered by B",
  );
  assert.ok(answered("A") >= 50 && answered("B") >= 100);
});

test("listeners stop without waiting for open connections; a drain that times out closes them and says so", async (t) => {
  const a = await app(t, "A");
  const b = await app(t, "B");
  const proxy = await proxyFor(t, { rules: OPEN_8080, target: { ip: a.ip } });
  const long = await hold(proxy.address);
  const ending = long.rest.then(
    () => "ended",
    (error: Error) => error.message,
  );
  // Rules that close every port stop the listeners at once, without waiting for the open connection.
  await proxy.setRules([]);
  assert.deepEqual(proxy.ports(), []);
  assert.equal(proxy.openConnections(a.ip), 1);
  await proxy.setRules(OPEN_8080);
  await proxy.moveTo({ ip: b.ip });
  assert.deepEqual(await proxy.drain(b.ip, { timeoutMs: 10_000 }), { drained: true, closed: 0 });
  assert.deepEqual(await proxy.drain(a.ip, { timeoutMs: 100 }), { drained: false, closed: 1 });
  assert.equal(await ending, "aborted");
  assert.equal(proxy.openConnections(), 0);
  assert.equal(await probe(proxy.address, 8080), "B");
});

test("security group rules: unopened ports refuse, a CIDR without the source closes at once", async (t) => {
  const a = await app(t, "A");
  const extra = http.createServer((_request, response) => response.end("A9\n"));
  await new Promise<void>((resolve) => extra.listen(9090, a.ip, resolve));
  t.after(() => new Promise<void>((resolve) => extra.close(() => resolve())));
  const proxy = await proxyFor(t, {
    rules: [
      ...OPEN_8080,
      { protocol: "tcp", fromPort: 9090, toPort: 9090, cidr: "10.0.0.0/24" },
      { protocol: "udp", fromPort: 9091, toPort: 9091, cidr: "0.0.0.0/0" },
    ],
    target: { ip: a.ip },
  });
  assert.deepEqual(proxy.ports(), [8080, 9090]);
  assert.equal(await probe(proxy.address, 8080), "A");
  assert.equal(await probe(proxy.address, 9090), "closed", "127.0.0.1 is outside 10.0.0.0/24");
  assert.equal(await probe(a.ip, 9090), "A9", "the instance itself serves 9090");
  assert.equal(await probe(proxy.address, 9091), "refused", "udp opens no TCP listener");
  assert.equal(await probe(proxy.address, 8081), "refused");

  // Rules change: listeners follow, and a /8 that holds 127.0.0.1 lets 9090 through.
  await proxy.setRules([{ protocol: "tcp", fromPort: 9090, toPort: 9090, cidr: "127.0.0.0/8" }]);
  assert.deepEqual(proxy.ports(), [9090]);
  assert.equal(await probe(proxy.address, 9090), "A9");
  assert.equal(await probe(proxy.address, 8080), "refused");

  // No target, no listener.
  await proxy.moveTo(undefined);
  assert.deepEqual(proxy.ports(), []);
  assert.equal(await probe(proxy.address, 9090), "refused");
});

test("`-1` and wide ranges listen on the ports the target exposes", async (t) => {
  const a = await app(t, "A", 8080);
  const proxy = await proxyFor(t, {
    rules: [{ protocol: "-1", fromPort: 0, toPort: 65535, cidr: "0.0.0.0/0" }],
    target: { ip: a.ip, exposedPorts: [8080, 9090] },
  });
  assert.deepEqual(proxy.ports(), [8080, 9090]);
  assert.equal(await probe(proxy.address, 8080), "A");
  // Nothing serves 9090 on A: the connection is reset, never left hanging.
  assert.equal(await probe(proxy.address, 9090), "closed");
  await proxy.moveTo({ ip: a.ip, exposedPorts: [8080] });
  assert.deepEqual(proxy.ports(), [8080]);
});

test("ingress rules from a template, as the seed writes them", () => {
  const rules = ingressRulesOf([
    { IpProtocol: "tcp", FromPort: "22", ToPort: "22", CidrIp: "0.0.0.0/0" },
    { IpProtocol: "tcp", FromPort: "8080", ToPort: "8080", CidrIp: "0.0.0.0/0" },
    { IpProtocol: "tcp", FromPort: "1024", ToPort: "65535", CidrIp: "10.0.0.0/24" },
    { IpProtocol: "tcp", FromPort: 80, ToPort: 80, SourceSecurityGroupId: "sg-1" },
    { IpProtocol: "-1", CidrIp: "127.0.0.0/8" },
    "junk",
  ]);
  assert.deepEqual(rules, [
    { protocol: "tcp", fromPort: 22, toPort: 22, cidr: "0.0.0.0/0" },
    { protocol: "tcp", fromPort: 8080, toPort: 8080, cidr: "0.0.0.0/0" },
    { protocol: "tcp", fromPort: 1024, toPort: 65535, cidr: "10.0.0.0/24" },
    { protocol: "-1", fromPort: 0, toPort: 65535, cidr: "127.0.0.0/8" },
  ]);
  assert.deepEqual(listenedPorts(rules.slice(0, 3), [8080, 3000]), [22, 3000, 8080]);
  assert.deepEqual(listenedPorts(rules.slice(0, 3)), [22, 8080]);
});

test("only loopback addresses", async () => {
  await assert.rejects(startAddressProxy({ address: "10.0.0.1" }), /not a loopback IPv4 address/);
  await assert.rejects(startAddressProxy({ address: "0.0.0.0" }), /not a loopback IPv4 address/);
});
