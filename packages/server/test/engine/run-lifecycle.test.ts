/**
 * A run's lifecycle on the in-process engine with scripted agents: stages in order, a failure stopping the run,
 * the manual approval gate, a stage rerun, and an agent lost mid-job (its job rescheduled to another agent,
 * its late reports fenced) with time advanced on the engine's clock instead of waited for.
 */
import assert from "node:assert/strict";
import test, { type TestContext } from "node:test";
import type { JobAssignment } from "@fawkes/protocol";
import { createGitRepo, summarizeRun, waitFor, yamlString } from "@fawkes/testing";
import { sweepEveryMs } from "../../src/engine/dispatch/lost-agents.ts";
import { backends, type Backend } from "../store/backends.ts";
import { startEngineHarness, type EngineHarness } from "../support/engine-harness.ts";

const stage = (name: string, extra = ""): string =>
  `- ${name}: {${extra}jobs: {j: {tasks: [{exec: {command: "true"}}]}}}`;

async function pipeline(
  t: TestContext,
  stages: string[],
  options = {},
  backend?: Backend,
): Promise<EngineHarness> {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  return startEngineHarness(t, {
    ...(backend && { database: await backend.create(t) }),
    pipelineFiles: {
      "p.gocd.yaml": `format_version: 10
pipelines:
  p:
    materials: {src: {git: ${yamlString(repo.path)}, branch: main, auto_update: false}}
    stages:
${stages.map((s) => `      ${s}`).join("\n")}
`,
    },
    expectPipelines: ["p"],
    options,
  });
}

const env = (job: JobAssignment, name: string): string | undefined =>
  job.environment.find((v) => v.name === name)?.value;

for (const backend of backends)
  test(`stages run in order, each scheduled only when the one before passed [${backend.name}]`, async (t) => {
    const harness = await pipeline(t, [stage("build"), stage("test"), stage("verify")], {}, backend);
    const agent = await harness.agent("a");
    await harness.api.trigger("p");
    for (const name of ["build", "test", "verify"]) {
      const job = await agent.work();
      assert.equal(job?.locator.stage, name);
      const run = await harness.api.run("p", 1);
      assert.deepEqual(
        run.stages.map((s) => s.name),
        ["build", "test", "verify"].slice(0, run.stages.length),
        "no later stage exists before this one's job is done",
      );
      assert.equal(run.stages.at(-1)?.name, name);
      await agent.run(job!);
    }
    const run = await harness.run("p", 1, (current) => current.result !== "building");
    assert.equal(run.result, "passed", summarizeRun(run));
    assert.deepEqual(
      run.stages.map((s) => [s.name, s.result]),
      [
        ["build", "passed"],
        ["test", "passed"],
        ["verify", "passed"],
      ],
    );
  });

test("a failed job fails its stage and the run; later stages never start", async (t) => {
  const harness = await pipeline(t, [stage("build"), stage("test")]);
  const agent = await harness.agent("a");
  await harness.api.trigger("p");
  await agent.run((await agent.work())!, "failed");
  const run = await harness.run("p", 1, (current) => current.result !== "building");
  assert.equal(run.result, "failed", summarizeRun(run));
  assert.deepEqual(
    run.stages.map((s) => [s.name, s.result]),
    [["build", "failed"]],
  );
  const poll = agent.work();
  await harness.polling(agent);
  harness.clock.advance(30_000);
  assert.equal(await poll, null, "no job of the test stage is ever handed out");
});

test("a manual stage waits for approval; a rerun gets a new stage counter", async (t) => {
  const harness = await pipeline(t, [stage("stage1"), stage("stage2", "approval: {type: manual}, ")]);
  const agent = await harness.agent("a");
  await harness.api.trigger("p");
  const first = (await agent.work())!;
  assert.equal(env(first, "GO_STAGE_COUNTER"), "1");
  assert.equal(env(first, "GO_RERUN_OF_STAGE_COUNTER"), undefined);
  await agent.run(first);
  const waiting = await harness.run("p", 1, (run) => run.awaitingApproval === "stage2");
  assert.equal(waiting.result, "building");
  assert.deepEqual(
    waiting.stages.map((s) => [s.name, s.result]),
    [["stage1", "passed"]],
  );

  const gated = agent.work();
  await harness.api.approve("p", 1, "stage2");
  const second = (await gated)!;
  assert.equal(second.locator.stage, "stage2");
  await agent.run(second);
  const approved = await harness.run("p", 1, (run) => run.result !== "building");
  assert.equal(approved.result, "passed");
  assert.equal(approved.awaitingApproval, null);

  await harness.api.rerun("p", 1, "stage1");
  const rerun = (await agent.work())!;
  assert.deepEqual(
    [rerun.locator.stage, rerun.locator.stageCounter, env(rerun, "GO_STAGE_COUNTER")],
    ["stage1", 2, "2"],
  );
  assert.equal(env(rerun, "GO_RERUN_OF_STAGE_COUNTER"), "1");
  await agent.run(rerun);
  const after = await harness.run("p", 1, (run) =>
    run.stages.some((s) => s.name === "stage1" && s.counter === 2 && s.result === "passed"),
  );
  assert.equal(after.stages.find((s) => s.name === "stage1" && s.counter === 2)?.rerunOfCounter, 1);
});

for (const backend of backends)
  test(`an agent silent past the bound is lost: its job goes to another agent and its late reports are fenced [${backend.name}]`, async (t) => {
    const lostAfterMs = 30_000;
    const harness = await pipeline(t, [stage("only")], { agentLostAfterMs: lostAfterMs }, backend);
    const first = await harness.agent("first");
    await harness.api.trigger("p");
    const job = (await first.work())!;
    assert.equal((await first.state(job, "building")).status, 204);

    // Just inside the bound nothing happens; past it (and one sweep later), the job is queued again.
    harness.clock.advance(lostAfterMs - 1_000);
    const still = await harness.api.run("p", 1);
    assert.equal(still.stages[0]?.jobs[0]?.state, "building");
    harness.clock.advance(1_000 + sweepEveryMs(lostAfterMs));
    const requeued = await harness.run("p", 1, (run) => run.stages[0]?.jobs[0]?.state === "scheduled");
    assert.match(requeued.stages[0]?.jobs[0]?.waitingReason ?? "", /rescheduled: agent first was lost/);
    const agents = await harness.api.agents();
    assert.equal(agents.agents.find((a) => a.name === "first")?.state, "lost");
    // Heard from again, it is told to drop the job.
    assert.deepEqual((await first.heartbeat([job.leaseId])).revokedLeases, [job.leaseId]);

    const second = await harness.agent("second");
    const again = (await second.work())!;
    assert.equal(again.jobRunId, job.jobRunId);
    assert.notEqual(again.leaseId, job.leaseId, "the new assignment has a new lease");
    // The first agent comes back: every report under its old lease is refused and changes nothing.
    assert.deepEqual(await first.console(job, "late\n"), { status: 409, code: "FAWKES_LEASE_LOST" });
    assert.deepEqual(await first.complete(job, "failed"), { status: 409, code: "FAWKES_LEASE_LOST" });
    await second.run(again);
    const run = await harness.run("p", 1, (current) => current.result !== "building");
    assert.equal(run.result, "passed", summarizeRun(run));
    assert.equal(run.stages[0]?.jobs[0]?.agent, "second");
    const log = await harness.api.console("p", 1, "only", "j");
    assert.match(log, /\[fawkes\] agent first was lost .*; job rescheduled/);
    assert.doesNotMatch(log, /late/);
  });

test("a job whose agents keep getting lost fails after the reschedule bound", async (t) => {
  const lostAfterMs = 10_000;
  const harness = await pipeline(t, [stage("only")], { agentLostAfterMs: lostAfterMs, maxJobReschedules: 2 });
  await harness.api.trigger("p");
  for (const name of ["a1", "a2", "a3"]) {
    const agent = await harness.agent(name);
    assert.ok(await agent.work(), `${name} gets the job`);
    harness.clock.advance(lostAfterMs + sweepEveryMs(lostAfterMs));
    await harness.run("p", 1, (run) => run.stages[0]?.jobs[0]?.state !== "assigned");
  }
  const run = await harness.run("p", 1, (current) => current.result !== "building");
  assert.equal(run.result, "failed", summarizeRun(run));
  // The note is written once the failure has committed (console files are no transaction).
  const why = /agent a3 was lost .*; failed after 3 attempts/;
  await waitFor(async () => why.test(await harness.api.console("p", 1, "only", "j")), {
    timeoutMs: 10_000,
    message: "the console to say why the job failed",
  });
});
