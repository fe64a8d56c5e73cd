/**
 * A state report moves the job on from the row the route's access check read, in one conditional statement;
 * when the job changed between that read and the step, the report is decided on the committed row instead:
 * a later state is still reached, a repeated report changes nothing, and a lost lease is refused.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ErrorCode } from "@fawkes/protocol";
import { reportJobState } from "../../src/services/job-reports.ts";
import { findAgentById } from "../../src/store/agents-repo.ts";
import { findJobRun } from "../../src/store/stages-repo.ts";
import { startOneJobHarness } from "../support/engine-harness.ts";

test("a state report decided on a stale row falls back to the committed job", async (t) => {
  const harness = await startOneJobHarness(t);
  const agent = await harness.agent("a");
  const { counter } = await harness.api.trigger("p");
  const job = await agent.work();
  assert.ok(job);
  const db = harness.engine.ctx.db;
  const record = (await findAgentById(db, agent.id))!;
  const stale = (await findJobRun(db, job.jobRunId))!;
  assert.equal(stale.state, "assigned");

  assert.equal((await agent.state(job, "preparing")).status, 204);
  // The access check's row says "assigned"; the job is "preparing" now: the conditional update misses and the
  // step reads the job again.
  await reportJobState(harness.engine, record, stale, job.leaseId, "building");
  assert.equal((await findJobRun(db, job.jobRunId))!.state, "building");

  // A repeat of a report that arrived changes nothing.
  await reportJobState(harness.engine, record, stale, job.leaseId, "building");
  assert.equal((await findJobRun(db, job.jobRunId))!.state, "building");

  // Completed in between (cancelled, as its agent reports it): the stale row still names the lease, the
  // committed job no longer does.
  const cancelled = await harness.api.request("POST", `/api/v1/pipelines/p/runs/${counter}/cancel`);
  assert.equal(cancelled.status, 204);
  assert.equal((await agent.complete(job, "cancelled")).status, 204);
  await assert.rejects(reportJobState(harness.engine, record, stale, job.leaseId, "completing"), {
    code: ErrorCode.leaseLost,
  });
  const after = (await findJobRun(db, job.jobRunId))!;
  assert.equal(after.state, "completed");
  assert.equal(after.result, "cancelled");
});
