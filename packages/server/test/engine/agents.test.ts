/**
 * An agent's long polls on one kept-alive connection, against a real server process (whose output shows a
 * listener leak). Resources, pending agents and waiting reasons are tested on the engine harness
 * (scheduling-rules.test.ts).
 */
import assert from "node:assert/strict";
import { Agent, request } from "node:http";
import test from "node:test";
import { AGENT_PROTOCOL_VERSION } from "@fawkes/protocol";
import { startFawkes } from "@fawkes/testing";

test(
  "an agent's long polls over one kept-alive connection leave nothing behind on it",
  { timeout: 60_000 },
  async (t) => {
    const fawkes = await startFawkes(t, { pipelineFiles: {}, agents: 0 });
    const connection = new Agent({ keepAlive: true, maxSockets: 1 });
    t.after(() => connection.destroy());
    const ports = new Set<number>();
    const post = (path: string, body: unknown, token?: string) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const req = request(`${fawkes.server.url}${path}`, {
          method: "POST",
          agent: connection,
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
        });
        req.on("socket", (socket) => {
          if (socket.connecting) socket.once("connect", () => ports.add(socket.localPort ?? 0));
          else ports.add(socket.localPort ?? 0);
        });
        req.on("response", (res) => {
          let text = "";
          res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
          res.on("end", () =>
            resolve({ status: res.statusCode!, body: JSON.parse(text) as Record<string, unknown> }),
          );
        });
        req.on("error", reject);
        req.end(JSON.stringify(body));
      });
    const registered = await post("/agent/v1/register", {
      protocolVersion: AGENT_PROTOCOL_VERSION,
      key: fawkes.server.autoRegisterKey,
      name: "poller",
      hostname: "poller",
      resources: [],
    });
    assert.equal(registered.status, 200, JSON.stringify(registered.body));
    // Node warns once an emitter has more than 10 listeners of one event: a listener left per poll shows.
    for (let poll = 0; poll < 20; poll++) {
      const work = await post("/agent/v1/work", { waitMs: 0 }, registered.body.token as string);
      assert.equal(work.status, 200, JSON.stringify(work.body));
    }
    assert.equal(ports.size, 1, "every poll went over the same connection");
    await fawkes.api.get("/api/v1/health");
    assert.doesNotMatch(fawkes.server.output(), /MaxListenersExceededWarning/);
  },
);
