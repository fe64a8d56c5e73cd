import assert from "node:assert/strict";
import { EventEmitter } from "node:events";
import test from "node:test";
import type { FastifyRequest } from "fastify";
import { whenDisconnected } from "../../src/http/disconnect-signal.ts";

/** A request on a kept-alive connection: both emit "close", the socket long after the request. */
function fakeRequest(socket: EventEmitter): Pick<FastifyRequest, "raw"> {
  const raw = Object.assign(new EventEmitter(), { socket });
  return { raw } as unknown as Pick<FastifyRequest, "raw">;
}

test("the signal fires when the connection closes during the poll", () => {
  const socket = new EventEmitter();
  const gone = whenDisconnected(fakeRequest(socket));
  assert.equal(gone.signal.aborted, false);
  socket.emit("close");
  assert.equal(gone.signal.aborted, true);
});

test("polls on one kept-alive connection leave no listener on it once released", () => {
  const socket = new EventEmitter();
  for (let poll = 0; poll < 50; poll++) {
    const request = fakeRequest(socket);
    const gone = whenDisconnected(request);
    gone.release();
    assert.equal(request.raw.listenerCount("close"), 0);
  }
  assert.equal(socket.listenerCount("close"), 0);
});
