import assert from "node:assert/strict";
import type { ServerResponse } from "node:http";
import { test } from "node:test";
import { SseParser, subscribeSse } from "../src/sse.ts";
import type { SseMessage } from "../src/sse.ts";
import { fakeServer, waitFor } from "./helpers.ts";

test("parser: split lines, CRLF, multi-line data, comments, event names", () => {
  const parser = new SseParser();
  const got: SseMessage[] = [];
  const stream = ': keep-alive\r\ndata: {"a"\r\ndata: :1}\r\n\r\nevent: ping\nid: 7\ndata:x\n\ndata\n\n';
  // Feed one character at a time: every possible split point.
  for (const char of stream) got.push(...parser.push(char));
  assert.deepEqual(got, [
    { event: "message", data: '{"a"\n:1}', id: undefined },
    { event: "ping", data: "x", id: "7" },
    { event: "message", data: "", id: "7" },
  ]);
});

test("parser: an event without a blank line is not dispatched yet", () => {
  const parser = new SseParser();
  assert.deepEqual(parser.push("data: half"), []);
  assert.deepEqual(parser.push("\n"), []);
  assert.deepEqual(parser.push("\n"), [{ event: "message", data: "half", id: undefined }]);
});

test("subscription reads events sent in split chunks and reconnects after a drop", async (t) => {
  let connections = 0;
  const open: ServerResponse[] = [];
  const server = await fakeServer(t, (request, response) => {
    assert.equal(request.headers.authorization, "Bearer tok");
    connections += 1;
    response.writeHead(200, { "content-type": "text/event-stream" });
    open.push(response);
    if (connections === 1) {
      // One event split mid-line across three writes, then the connection drops.
      response.write('data: {"type":"run",');
      setImmediate(() => response.write('"pipeline":"p","coun'));
      setImmediate(() => setImmediate(() => response.end('ter":1}\n\n')));
    } else {
      response.write('data: {"type":"config"}\n\n');
    }
  });
  const messages: string[] = [];
  let opens = 0;
  const subscription = subscribeSse({
    url: `${server.url}/api/v1/events`,
    headers: { authorization: "Bearer tok" },
    initialBackoffMs: 10,
    onOpen: () => (opens += 1),
    onMessage: (message) => messages.push(message.data),
  });
  t.after(async () => {
    subscription.close();
    await subscription.done;
  });
  await waitFor(() => messages.length >= 2, 5000, "two events");
  assert.deepEqual(messages, ['{"type":"run","pipeline":"p","counter":1}', '{"type":"config"}']);
  assert.equal(opens, 2);
  assert.equal(connections, 2);
  subscription.close();
  await subscription.done;
});

test("subscription retries while the server answers an error status", async (t) => {
  let attempts = 0;
  const server = await fakeServer(t, (_request, response) => {
    attempts += 1;
    if (attempts < 3) {
      response.writeHead(503).end();
      return;
    }
    response.writeHead(200, { "content-type": "text/event-stream" });
    response.write("data: ok\n\n");
  });
  const drops: number[] = [];
  const messages: string[] = [];
  const subscription = subscribeSse({
    url: server.url,
    initialBackoffMs: 5,
    onDrop: (_error, delay) => drops.push(delay),
    onMessage: (message) => messages.push(message.data),
  });
  t.after(async () => {
    subscription.close();
    await subscription.done;
  });
  await waitFor(() => messages.length === 1, 5000, "message after retries");
  assert.deepEqual(drops, [5, 10], "backoff doubles while connecting fails");
});
