/**
 * An idle server's polls open no transaction: once a pass found the queue empty, the passes kicked by arriving
 * polls are skipped until a job becomes scheduled (whose kick runs a pass at once), and a safety net runs a pass
 * every TRUST_EMPTY_QUEUE_MS while agents wait, so a job no kick announced still starts.
 */
import assert from "node:assert/strict";
import test, { type TestContext } from "node:test";
import { waitFor } from "@fawkes/testing";
import type { Kysely } from "kysely";
import { TRUST_EMPTY_QUEUE_MS, type KickReason } from "../../src/engine/dispatcher.ts";
import type { Database } from "../../src/store/schema.ts";
import { startOneJobHarness, type EngineHarness } from "../support/engine-harness.ts";
import type { ScriptedAgent } from "../support/scripted-agent.ts";

/**
 * The harness, its agent "a", and how many times the queue was read outside a step since "a" registered: an idle
 * pass is that one paged read (a pass that finds jobs is a step, not counted).
 */
async function harnessCountingPasses(
  t: TestContext,
): Promise<{ harness: EngineHarness; agent: ScriptedAgent; passes: () => number }> {
  const harness = await startOneJobHarness(t);
  let reads = 0;
  const ctx = harness.engine.ctx as { db: Kysely<Database> };
  ctx.db = ctx.db.withPlugin({
    transformQuery: ({ node }) => {
      // The queue read is the paged one (`scheduledJobRuns`): other reads of job runs outside steps (a
      // heartbeat's active jobs, a lease check) are not passes.
      if (
        node.kind === "SelectQueryNode" &&
        node.limit !== undefined &&
        JSON.stringify(node).includes('"name":"job_runs"')
      )
        reads++;
      return node;
    },
    transformResult: ({ result }) => Promise.resolve(result),
  });
  const agent = await harness.agent("a");
  const registered = reads;
  return { harness, agent, passes: () => reads - registered };
}

test("polls run no dispatch pass while the queue is known empty; a scheduled job is dispatched at once", async (t) => {
  const { harness, agent, passes } = await harnessCountingPasses(t);

  // One poll, answered empty once the engine's clock moves.
  const emptyPoll = async (): Promise<void> => {
    const poll = agent.work(100);
    await harness.polling(agent);
    harness.clock.advance(100);
    assert.equal(await poll, null);
  };
  // The first poll's pass finds the queue empty; from its end (a slow store answers after the poll has) the
  // dispatcher trusts the queue empty.
  const dispatcher = harness.engine.dispatcher;
  await emptyPoll();
  await waitFor(() => dispatcher.trustsEmptyQueue || undefined, { message: "the empty queue trusted" });
  assert.ok(passes() >= 1, "the first poll's pass read the queue");
  // Later polls (within TRUST_EMPTY_QUEUE_MS on the engine's clock) run no pass. Another kick meanwhile (a config
  // reload the directory watcher saw late) runs one of its own: counted apart.
  const kick = dispatcher.kick.bind(dispatcher);
  const others: KickReason[] = [];
  dispatcher.kick = (reason) => {
    if (reason !== "poll") others.push(reason);
    kick(reason);
  };
  const before = passes();
  for (let i = 0; i < 4; i++) await emptyPoll();
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(
    passes() - before,
    others.length,
    `no pass for the polls of an idle server (other kicks: ${others.join(", ")})`,
  );

  // A job becoming scheduled kicks a pass at once: no clock advance needed.
  const waiting = agent.work(30_000);
  await harness.polling(agent);
  await harness.api.trigger("p");
  const job = await waiting;
  assert.equal(job?.locator.stage, "only");
});

test("a job scheduled without a kick still reaches a waiting agent within TRUST_EMPTY_QUEUE_MS", async (t) => {
  const { harness, agent, passes } = await harnessCountingPasses(t);
  const waiting = agent.work(30_000);
  await harness.polling(agent);
  await waitFor(() => passes() >= 1, { message: "the poll's pass" });

  // Paths that forget their kick: the job is scheduled, and nothing but polls tells the dispatcher.
  const dispatcher = harness.engine.dispatcher;
  const kick = dispatcher.kick.bind(dispatcher);
  dispatcher.kick = (reason) => {
    if (reason === "poll") kick(reason);
  };
  await harness.api.trigger("p");
  await harness.run("p", 1, (run) => run.stages[0]?.jobs[0]?.state === "scheduled");
  assert.ok(harness.engine.dispatcher.isPolling(agent.id), "no pass ran: the agent still waits");

  harness.clock.advance(TRUST_EMPTY_QUEUE_MS);
  const job = await waiting;
  assert.equal(job?.locator.stage, "only", "the safety net's pass dispatched it");
});
