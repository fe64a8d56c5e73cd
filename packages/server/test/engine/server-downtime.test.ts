/**
 * The server's own downtime loses no agent: after a restart, an agent counts as heard from at the server's start
 * (however old its stored heartbeat), so a job it holds is released only if the agent stays silent for
 * `agentLostAfterMs` after the start. Time is advanced on the engine's clock; the restart keeps store and port.
 */
import assert from "node:assert/strict";
import test, { type TestContext } from "node:test";
import { sweepEveryMs } from "../../src/engine/dispatch/lost-agents.ts";
import { backends, type Backend } from "../store/backends.ts";
import { startOneJobHarness, type EngineHarness } from "../support/engine-harness.ts";

const lostAfterMs = 30_000;
/** Far longer than the lost bound: every stored heartbeat is stale when the server comes back. */
const downMs = 10 * lostAfterMs;

async function harnessWithJob(t: TestContext, backend: Backend) {
  const harness = await startOneJobHarness(t, {
    database: await backend.create(t),
    options: { agentLostAfterMs: lostAfterMs },
  });
  const agent = await harness.agent("a");
  await harness.api.trigger("p");
  const job = (await agent.work())!;
  assert.equal((await agent.state(job, "building")).status, 204);
  return { harness, agent, job };
}

const jobState = async (harness: EngineHarness): Promise<string | undefined> =>
  (await harness.api.run("p", 1)).stages[0]?.jobs[0]?.state;

const agentState = async (harness: EngineHarness): Promise<string | undefined> =>
  (await harness.api.agents()).agents.find((a) => a.name === "a")?.state;

for (const backend of backends) {
  test(`after a long downtime, an agent that reports within the bound keeps its job [${backend.name}]`, async (t) => {
    const { harness, agent, job } = await harnessWithJob(t, backend);
    await harness.restart(downMs);
    assert.equal(
      await agentState(harness),
      "building",
      "the server's start counts as hearing from the agent",
    );

    // Almost the bound after the start, a sweep finds nothing lost; the agent reports, and a bound after its
    // report has not passed when the next sweeps run either.
    harness.clock.advance(lostAfterMs - 1_000);
    await harness.engine.dispatcher.sweepLostAgents();
    assert.equal(await jobState(harness), "building");
    assert.deepEqual((await agent.heartbeat([job.leaseId])).revokedLeases, []);
    harness.clock.advance(lostAfterMs - 1_000);
    await harness.engine.dispatcher.sweepLostAgents();
    assert.equal(await jobState(harness), "building", "heard from within the bound: the job stays");
    assert.equal(await agentState(harness), "building");

    assert.equal((await agent.complete(job, "passed")).status, 204, "its lease still holds");
    const run = await harness.run("p", 1, (current) => current.result !== "building");
    assert.equal(run.result, "passed");
    assert.equal(run.stages[0]?.jobs[0]?.agent, "a");
  });

  test(`after a long downtime, an agent silent for the bound after the start is lost [${backend.name}]`, async (t) => {
    const { harness } = await harnessWithJob(t, backend);
    await harness.restart(downMs);
    harness.clock.advance(lostAfterMs - 1_000);
    await harness.engine.dispatcher.sweepLostAgents();
    assert.equal(await jobState(harness), "building", "not lost before the bound has passed since the start");

    harness.clock.advance(1_000 + sweepEveryMs(lostAfterMs));
    const requeued = await harness.run("p", 1, (run) => run.stages[0]?.jobs[0]?.state === "scheduled");
    assert.match(requeued.stages[0]?.jobs[0]?.waitingReason ?? "", /rescheduled: agent a was lost/);
    assert.equal(await agentState(harness), "lost");
  });
}
