/**
 * Agents' lease checks read job runs from a cache (step-watched-cache.ts): a report of the lease holder costs no
 * query, a state report updates its entry in place, and whatever a step changes about a job — completed,
 * cancelled, another agent's lease — is seen by the very next request (real HTTP, the suite's store).
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ErrorCode } from "@fawkes/protocol";
import type { JobRunRecord } from "../../src/store/records.ts";
import { findJobRun } from "../../src/store/stages-repo.ts";
import { startOneJobHarness } from "../support/engine-harness.ts";

test("a lease holder's requests are checked from the cache, and a step's change is seen at once", async (t) => {
  const harness = await startOneJobHarness(t);
  const holder = await harness.agent("holder");
  const other = await harness.agent("other");
  const { counter } = await harness.api.trigger("p");
  const job = await holder.work();
  assert.ok(job);
  const { engine } = harness;
  let loads = 0;
  const load = async (id: number): Promise<JobRunRecord | undefined> => {
    loads++;
    return findJobRun(engine.ctx.db, id);
  };

  assert.equal((await holder.state(job, "preparing")).status, 204);
  assert.equal((await holder.state(job, "building")).status, 204);
  assert.equal((await holder.console(job, "hello\n")).status, 204);
  const cached = await engine.heldJobs.find(job.jobRunId, load);
  assert.equal(loads, 0, "the holder's requests left the job in the cache");
  assert.equal(cached?.state, "building", "a state report updates its entry in place");
  assert.equal((await findJobRun(engine.ctx.db, job.jobRunId))?.state, "building");

  // Another agent naming the holder's lease is refused, from the cache as from the database.
  assert.equal((await other.console(job, "not mine\n")).code, ErrorCode.leaseLost);
  assert.equal((await other.state(job, "completing")).code, ErrorCode.leaseLost);

  // A step that writes the job (a cancel asks it to stop) drops the cache: the next lookup reads the row.
  const cancelled = await harness.api.request("POST", `/api/v1/pipelines/p/runs/${counter}/cancel`);
  assert.equal(cancelled.status, 204);
  assert.equal((await engine.heldJobs.find(job.jobRunId, load))?.cancelRequested, true);
  assert.equal(loads, 1);

  // Completed by a step: the lease the cache held a moment ago is refused on the next request.
  assert.equal((await holder.console(job, "still here\n")).status, 204);
  assert.equal((await holder.complete(job, "cancelled")).status, 204);
  assert.equal((await holder.console(job, "too late\n")).code, ErrorCode.leaseLost);
  assert.equal((await holder.state(job, "completing")).code, ErrorCode.leaseLost);
  assert.equal((await findJobRun(engine.ctx.db, job.jobRunId))?.result, "cancelled");
});

test("a state report that a step overtook stores nothing in the cache", async (t) => {
  const harness = await startOneJobHarness(t);
  const holder = await harness.agent("holder");
  await harness.api.trigger("p");
  const job = await holder.work();
  assert.ok(job);
  const { engine } = harness;
  assert.equal((await holder.state(job, "preparing")).status, 204);
  const before = engine.heldJobs.generation;
  // A step writing job runs between a report's start and its end makes the report's row untrustworthy.
  await engine.ctx.step(async (tx) => {
    await tx.db.updateTable("job_runs").set({ waiting_reason: null }).where("id", "=", -1).execute();
  });
  assert.notEqual(engine.heldJobs.generation, before);
  const stale = { ...(await findJobRun(engine.ctx.db, job.jobRunId))!, state: "assigned" as const };
  engine.heldJobs.update(job.jobRunId, stale, before);
  let loads = 0;
  const row = await engine.heldJobs.find(job.jobRunId, async (id) => {
    loads++;
    return findJobRun(engine.ctx.db, id);
  });
  assert.equal(loads, 1, "the overtaken update was not stored");
  assert.equal(row?.state, "preparing");
});
