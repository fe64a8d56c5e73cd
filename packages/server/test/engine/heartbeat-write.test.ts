/**
 * Heartbeats are kept in memory and written in batches: one statement per flush for the agents whose stored
 * time is old, a stored time refreshed only every PERSIST_EVERY_MS, what is due written on stop. A failed write
 * is logged and retried at the next flush, never an unhandled rejection that ends the server.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import path from "node:path";
import test, { type TestContext } from "node:test";
import { ManualClock, tempDir, waitFor } from "@fawkes/testing";
import { pino, type Logger } from "pino";
import {
  AgentHeartbeats,
  FLUSH_EVERY_MS,
  PERSIST_EVERY_MS,
} from "../../src/engine/dispatch/agent-heartbeats.ts";
import type { EngineContext } from "../../src/engine/context.ts";
import { findAgentById, insertAgent } from "../../src/store/agents-repo.ts";
import { openDatabase, type OpenDatabase } from "../../src/store/db.ts";
import type { AgentRecord } from "../../src/store/records.ts";

const agentRecord = (id: string, lastHeartbeatAt: number | null): AgentRecord => ({
  id,
  name: id,
  hostname: "h",
  tokenHash: `hash-${id}`,
  configState: "enabled",
  resources: [],
  environments: [],
  registeredAt: 0,
  lastHeartbeatAt,
  currentJobRunId: null,
  role: null,
});

async function setup(t: TestContext, log: Logger = pino({ level: "silent" })) {
  const database: OpenDatabase = await openDatabase(
    path.join(await tempDir(t, "fawkes-heartbeat-"), "fawkes.db"),
    { dataKey: randomBytes(32) },
  );
  t.after(() => database.close().catch(() => undefined));
  const clock = new ManualClock();
  const ctx = {
    db: database.db,
    log,
    clock,
    now: () => clock.now(),
    options: { agentLostAfterMs: 60_000 },
  };
  const heartbeats = new AgentHeartbeats(ctx as unknown as EngineContext);
  heartbeats.start();
  t.after(() => heartbeats.stop());
  return { database, clock, heartbeats };
}

const stored = async (database: OpenDatabase, id: string): Promise<number | null | undefined> =>
  (await findAgentById(database.db, id))?.lastHeartbeatAt;

test("heartbeats are stored at the next flush, and refreshed only once the stored time is old", async (t) => {
  const { database, clock, heartbeats } = await setup(t);
  const registeredAt = clock.now();
  const agents = ["a1", "a2", "a3"].map((id) => agentRecord(id, registeredAt));
  for (const agent of agents) await insertAgent(database.db, agent);

  // Heard from often, but the stored time is fresh: nothing is written, while the state follows memory.
  clock.advance(5_000);
  for (const agent of agents) heartbeats.touch(agent);
  clock.advance(FLUSH_EVERY_MS);
  await heartbeats.flush();
  for (const agent of agents) assert.equal(await stored(database, agent.id), registeredAt);
  assert.equal(heartbeats.lastSeen(agents[0]!), registeredAt + 5_000, "last seen comes from memory");

  // Once the stored time is PERSIST_EVERY_MS old, the next flush writes every due agent, with its own time.
  clock.advance(PERSIST_EVERY_MS);
  await heartbeats.flush(); // the flushes that time fired, done before the agents are heard from
  for (const agent of agents) heartbeats.touch(agent);
  assert.equal(await stored(database, "a1"), registeredAt, "no write before the flush");
  clock.advance(FLUSH_EVERY_MS);
  const flushed = clock.now();
  await waitFor(async () => (await stored(database, "a3")) === flushed, {
    message: "the batch to be written",
  });
  for (const agent of agents) assert.equal(await stored(database, agent.id), flushed);

  // Due agents not flushed yet are written on stop.
  clock.advance(PERSIST_EVERY_MS);
  heartbeats.touch(agents[0]!);
  await heartbeats.stop();
  assert.equal(await stored(database, "a1"), clock.now());
  assert.equal(await stored(database, "a2"), flushed);
});

test("a heartbeat batch that cannot be written is logged, keeps the agent alive, and rejects nothing", async (t) => {
  const errors: string[] = [];
  const log = {
    error: (_fields: unknown, message: string) => void errors.push(message),
  } as unknown as Logger;
  const { database, clock, heartbeats } = await setup(t, log);
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on("unhandledRejection", onUnhandled);
  t.after(() => process.off("unhandledRejection", onUnhandled));
  await database.close(); // every write fails from now on
  const agent = agentRecord("a1", null);

  heartbeats.touch(agent);
  clock.advance(FLUSH_EVERY_MS);
  await waitFor(() => errors.length === 1, { message: "the failed write to be logged" });
  assert.deepEqual(errors, ["recording agents' heartbeats failed"]);
  assert.equal(heartbeats.stateOf(agent), "idle", "the agent was heard from: it is not lost");
  // The next flush tries the write again (a failed one does not count as written).
  clock.advance(FLUSH_EVERY_MS);
  await waitFor(() => errors.length === 2, { message: "the retried write to be logged" });
  // Let any stray rejection surface before asserting there was none.
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(unhandled, []);
});
