/** A heartbeat whose database write fails is logged and retried, never an unhandled rejection that ends the server. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import test from "node:test";
import { tempDir, waitFor } from "@fawkes/testing";
import type { Logger } from "pino";
import { Dispatcher, type DispatcherDeps } from "../../src/engine/dispatcher.ts";
import type { EngineContext } from "../../src/engine/context.ts";
import type { LifecycleHooks } from "../../src/engine/run-lifecycle.ts";
import { openDatabase } from "../../src/store/db.ts";
import type { AgentRecord } from "../../src/store/records.ts";

test("a heartbeat that cannot be written is logged, keeps the agent alive, and rejects nothing", async (t) => {
  const database = await openDatabase(path.join(await tempDir(t, "fawkes-heartbeat-"), "fawkes.db"), {
    dataKey: randomBytes(32),
  });
  await database.close(); // every write fails from now on
  const errors: string[] = [];
  const log = { error: (_fields: unknown, message: string) => errors.push(message) } as unknown as Logger;
  let now = 100_000;
  const ctx = { db: database.db, log, now: () => now, options: { agentLostAfterMs: 30_000 } };
  const dispatcher = new Dispatcher(
    ctx as unknown as EngineContext,
    {} as LifecycleHooks,
    {} as DispatcherDeps,
  );
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));
  const agent: AgentRecord = {
    id: "a1",
    name: "a1",
    hostname: "h",
    tokenHash: "x",
    configState: "enabled",
    resources: [],
    environments: [],
    registeredAt: 0,
    lastHeartbeatAt: null,
    currentJobRunId: null,
  };

  dispatcher.touch(agent);
  await waitFor(() => errors.length === 1, { message: "the failed write to be logged" });
  assert.deepEqual(errors, ["recording an agent's heartbeat failed"]);
  assert.equal(dispatcher.stateOf(agent), "idle", "the agent was heard from: it is not lost");
  // The next heartbeat tries the write again (a failed one does not count as written).
  now += 1_000;
  dispatcher.touch(agent);
  await waitFor(() => errors.length === 2, { message: "the retried write to be logged" });
  // Let any stray rejection surface before asserting there was none.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
});
