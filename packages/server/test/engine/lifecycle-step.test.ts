/**
 * The step primitive (engine/step.ts) on both stores: a step's writes commit together or not at all, its effects
 * run after COMMIT and never after a rollback, and the mistakes that would deadlock the single connection (the
 * outer database used inside a step, a step inside a step) are errors at once. Plus the outbox rows a step writes
 * and the failpoint's gate.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import test, { type TestContext } from "node:test";
import type { ServerEvent } from "@fawkes/protocol";
import { pino } from "pino";
import type { EngineServices, StepContext } from "../../src/engine/context.ts";
import { failpointFromEnv } from "../../src/engine/failpoint.ts";
import { stepRunner } from "../../src/engine/step.ts";
import { deleteOutboxRow, insertOutboxRow, listOutboxRows } from "../../src/store/outbox-repo.ts";
import { ensurePipeline, findPipeline, updatePipeline } from "../../src/store/runs-repo.ts";
import { openStore, testOnEachBackend } from "../store/backends.ts";

const silent = pino({ level: "silent" });

async function setUp(t: TestContext, target: string) {
  const { db } = await openStore(t, target, randomBytes(32));
  const published: ServerEvent[] = [];
  const services = { log: silent, now: () => 1_000 } as unknown as EngineServices;
  const step = stepRunner({ db, services, publish: (event) => published.push(event), log: silent });
  return { db, step, published };
}

testOnEachBackend("a step commits all its writes, then runs its effects in order", async (t, backend) => {
  const { db, step, published } = await setUp(t, await backend.create(t));
  const order: string[] = [];
  await step(async (tx) => {
    await ensurePipeline(tx.db, "app", 1);
    await updatePipeline(tx.db, "app", { lastCounter: 1, lockedByCounter: 1 }, 2);
    tx.events.publish({ type: "pipeline", pipeline: "app" });
    tx.afterCommit(() => order.push(published.length === 1 ? "after the event" : "too early"));
    assert.deepEqual(published, [], "nothing is published before COMMIT");
  });
  assert.deepEqual(order, ["after the event"]);
  const pipeline = await findPipeline(db, "app");
  assert.deepEqual([pipeline?.lastCounter, pipeline?.lockedByCounter], [1, 1]);
});

testOnEachBackend("a step that throws writes nothing and runs no effect", async (t, backend) => {
  const { db, step, published } = await setUp(t, await backend.create(t));
  let ran = false;
  await assert.rejects(
    step(async (tx) => {
      await ensurePipeline(tx.db, "app", 1);
      await updatePipeline(tx.db, "app", { lastCounter: 7 }, 2);
      await insertOutboxRow(tx.db, { kind: "changes", pipeline: "app", stageRunId: null, createdAt: 2 });
      tx.events.publish({ type: "pipeline", pipeline: "app" });
      tx.afterCommit(() => (ran = true));
      throw new Error("refused half-way");
    }),
    /refused half-way/,
  );
  assert.equal(await findPipeline(db, "app"), undefined, "the counter write was rolled back");
  assert.deepEqual(await listOutboxRows(db), [], "so was the outbox row");
  assert.equal(ran, false);
  assert.deepEqual(published, []);
  // The connection is free again: the next step goes through.
  await step((tx) => ensurePipeline(tx.db, "app", 3));
  assert.equal((await findPipeline(db, "app"))?.lastCounter, 0);
});

testOnEachBackend("the outer database inside a step is an error, not a deadlock", async (t, backend) => {
  const { db, step } = await setUp(t, await backend.create(t));
  await assert.rejects(
    step(async () => {
      await findPipeline(db, "app");
    }),
    /inside a lifecycle step through another handle/,
  );
  await assert.rejects(
    step(() => step(async () => undefined)),
    /a step was started inside a step/,
  );
  // Work a step started that outlives it (a timer) may use the database once the step is over.
  let later: Promise<unknown> | undefined;
  await step(async (tx: StepContext) => {
    await ensurePipeline(tx.db, "app", 1);
    later = new Promise((resolve) => setImmediate(resolve)).then(() => findPipeline(db, "app"));
  });
  assert.equal(((await later) as { name: string } | undefined)?.name, "app");
});

testOnEachBackend("outbox rows are listed oldest first and consumed once", async (t, backend) => {
  const { db, step } = await setUp(t, await backend.create(t));
  await step(async (tx) => {
    await insertOutboxRow(tx.db, { kind: "changes", pipeline: "a", stageRunId: null, createdAt: 1 });
    await insertOutboxRow(tx.db, { kind: "changes", pipeline: "b", stageRunId: null, createdAt: 2 });
  });
  const rows = await listOutboxRows(db);
  assert.deepEqual(
    rows.map((row) => [row.kind, row.pipeline]),
    [
      ["changes", "a"],
      ["changes", "b"],
    ],
  );
  assert.equal(await step((tx) => deleteOutboxRow(tx.db, rows[0]!.id)), true);
  assert.equal(await step((tx) => deleteOutboxRow(tx.db, rows[0]!.id)), false, "a row is consumed once");
  assert.deepEqual(
    (await listOutboxRows(db)).map((row) => row.pipeline),
    ["b"],
  );
});

test("the failpoint is honoured only with NODE_ENV=test, and a malformed one is refused", () => {
  const warnings: string[] = [];
  const log = { warn: (...args: unknown[]) => warnings.push(String(args.at(-1))) } as unknown as Parameters<
    typeof failpointFromEnv
  >[1];
  assert.equal(failpointFromEnv({}, log), undefined);
  assert.equal(failpointFromEnv({ FAWKES_TEST_FAILPOINT: "write:3" }, log), undefined);
  assert.match(warnings.join("\n"), /ignored/);
  assert.deepEqual(failpointFromEnv({ FAWKES_TEST_FAILPOINT: "commit:12", NODE_ENV: "test" }, log), {
    kind: "commit",
    at: 12,
  });
  for (const bad of ["write", "write:0", "crash:1", "write:-1", "write:1x"])
    assert.throws(
      () => failpointFromEnv({ FAWKES_TEST_FAILPOINT: bad, NODE_ENV: "test" }, log),
      /must be write:N or commit:N/,
      bad,
    );
});
