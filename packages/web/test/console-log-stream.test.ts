import assert from "node:assert/strict";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { LineIndex } from "../src/console/line-index.ts";
import { ConsoleFeed, followConsole, type FollowStatus } from "../src/console/log-stream.ts";

/** The raw log the fake server holds; it answers like Fawkes: each line prefixed with a 13-byte time. */
const RAW = "line 1\nlíne 2 ✓\nline 3\nline 4\n";
const stamp = (raw: string): string => raw.replace(/^(?=.)/gm, "10:00:00.000 ");

test("followConsole reconnects from the partial line's raw offset after the stream drops", async (t) => {
  const offsets: string[] = [];
  const rawBytes = Buffer.from(RAW);
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? "/", "http://x");
    offsets.push(
      `${url.searchParams.get("offset")} ${url.searchParams.get("timestamps")} ${url.searchParams.get("follow")}`,
    );
    const offset = Number(url.searchParams.get("offset"));
    const body = Buffer.from(stamp(rawBytes.subarray(offset).toString()));
    response.writeHead(200, { "content-type": "text/plain; charset=utf-8" });
    if (offsets.length === 1) {
      // First connection: two whole lines and part of the third, then the connection dies.
      const cut = body.indexOf("line 3") + 3;
      response.write(body.subarray(0, cut), () => response.socket?.destroy());
      return;
    }
    response.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;

  const feed = new ConsoleFeed(new LineIndex(), { timestamps: true });
  const statuses: FollowStatus["kind"][] = [];
  let completedChecks = 0;
  await followConsole({
    url: `http://127.0.0.1:${port}/console`,
    feed,
    signal: AbortSignal.timeout(10_000),
    jobCompleted: async () => ++completedChecks >= 1,
    onData: () => {},
    onStatus: (status) => statuses.push(status.kind),
    retryDelayMs: () => 10,
  });

  const lines = Array.from({ length: feed.lines.lineCount }, (_, i) => feed.lines.line(i));
  assert.deepEqual(lines, [
    "10:00:00.000 line 1",
    "10:00:00.000 líne 2 ✓",
    "10:00:00.000 line 3",
    "10:00:00.000 line 4",
  ]);
  const secondLineEnd = Buffer.byteLength("line 1\nlíne 2 ✓\n");
  assert.deepEqual(offsets, ["0 true true", `${secondLineEnd} true true`]);
  assert.ok(statuses.includes("retrying"), `statuses: ${statuses.join(",")}`);
  assert.equal(statuses.at(-1), "done");
});

test("followConsole keeps reconnecting while the job runs and stops when it completes", async (t) => {
  let served = 0;
  const server = createServer((request, response) => {
    served++;
    const url = new URL(request.url ?? "/", "http://x");
    const offset = Number(url.searchParams.get("offset"));
    response.writeHead(200, { "content-type": "text/plain" });
    // Each response carries one more line, then ends cleanly (as when a proxy cuts long responses).
    response.end(offset === 0 ? "a\n" : offset === 2 ? "b\n" : "");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const feed = new ConsoleFeed(new LineIndex(), { timestamps: false });
  let checks = 0;
  await followConsole({
    url: `http://127.0.0.1:${port}/c`,
    feed,
    signal: AbortSignal.timeout(10_000),
    jobCompleted: async () => ++checks >= 3,
    onData: () => {},
    onStatus: () => {},
    retryDelayMs: () => 5,
  });
  assert.equal(served, 3);
  assert.deepEqual([feed.lines.line(0), feed.lines.line(1)], ["a", "b"]);
  assert.equal(feed.lines.lineCount, 2);
});

test("followConsole waits on 404 (the job has not started) and stops when aborted", async (t) => {
  let served = 0;
  const server = createServer((_request, response) => {
    served++;
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.after(() => server.close());
  const { port } = server.address() as AddressInfo;
  const abort = new AbortController();
  const statuses: string[] = [];
  await followConsole({
    url: `http://127.0.0.1:${port}/c`,
    feed: new ConsoleFeed(new LineIndex(), { timestamps: false }),
    signal: abort.signal,
    jobCompleted: async () => true,
    onData: () => {},
    onStatus: (status) => statuses.push(status.kind),
    pause: async () => {
      if (served >= 2) abort.abort();
    },
  });
  assert.equal(served, 2);
  assert.deepEqual(statuses, ["connecting", "waiting", "connecting", "waiting"]);
});
