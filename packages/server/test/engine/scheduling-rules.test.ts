/**
 * Who gets which job, on the in-process engine with scripted agents: resources, environments, run_instances,
 * pending agents, and the waiting reason a queued job shows. The matching rules themselves are unit-tested in
 * core (agent-fits, waiting-reason, job-instances); these tests prove the server applies them on the wire.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { createGitRepo, yamlString } from "@fawkes/testing";
import { startEngineHarness } from "../support/engine-harness.ts";

const material = (repo: string): string =>
  `materials: {src: {git: ${yamlString(repo)}, branch: main, auto_update: false}}`;

test("a job with resources goes only to an agent that has them; the waiting reason says why", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const harness = await startEngineHarness(t, {
    pipelineFiles: {
      "a.gocd.yaml": `format_version: 10
pipelines:
  needs-linux:
    ${material(repo.path)}
    stages:
      - s: {jobs: {j: {resources: [linux], tasks: [{exec: {command: "true"}}]}}}
`,
    },
    expectPipelines: ["needs-linux"],
  });
  const plain = await harness.agent("plain");
  const plainPoll = plain.work();
  await harness.api.trigger("needs-linux");
  const waiting = await harness.run("needs-linux", 1, (run) =>
    /no enabled agent with resources linux/.test(run.stages[0]?.jobs[0]?.waitingReason ?? ""),
  );
  assert.equal(waiting.stages[0]?.jobs[0]?.state, "scheduled");

  // A pending agent with the resource: the reason says how to let it in, and it gets nothing until enabled.
  const builder = await harness.pendingAgent({ name: "builder", resources: ["linux", "docker"] });
  const builderPoll = builder.work();
  await harness.run("needs-linux", 1, (run) =>
    /1 agent pending: enable with `fawkes agents enable NAME`/.test(
      run.stages[0]?.jobs[0]?.waitingReason ?? "",
    ),
  );
  await harness.polling(builder);
  // Enabling ends the pending poll (empty) so the agent polls again at once, now let in.
  await harness.api.enableAgent("builder");
  assert.equal(await builderPoll, null);
  const job = await builder.work();
  assert.ok(job, "the enabled agent with the resource gets the job");
  assert.equal(job.locator.job, "j");
  const resources = job.environment.find((v) => v.name === "GO_AGENT_RESOURCES")?.value;
  assert.deepEqual(resources?.split(",").sort(), ["docker", "linux"]);
  await builder.run(job);
  const done = await harness.run("needs-linux", 1, (run) => run.result !== "building");
  assert.equal(done.result, "passed");
  assert.equal(done.stages[0]?.jobs[0]?.agent, "builder");
  // The agent machine has no enabled → enabled edge: enabling again is accepted and changes nothing.
  await harness.api.enableAgent("builder");
  assert.equal((await harness.api.agents()).agents.find((a) => a.name === "builder")?.state, "idle");

  // The agent without the resource waited the whole time: its poll ends empty when its wait runs out.
  await harness.polling(plain);
  harness.clock.advance(30_000);
  assert.equal(await plainPoll, null);
  assert.deepEqual(plain.jobs, []);
});

test("a pipeline in an environment runs only on that environment's agents, and vice versa", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const job = `{jobs: {j: {tasks: [{exec: {command: "true"}}]}}}`;
  const harness = await startEngineHarness(t, {
    pipelineFiles: {
      "a.gocd.yaml": `format_version: 10
environments:
  prod:
    pipelines: [deploy]
    agents: [listed]
pipelines:
  deploy:
    ${material(repo.path)}
    stages: [{s: ${job}}]
  build:
    ${material(repo.path)}
    stages: [{s: ${job}}]
`,
    },
    expectPipelines: ["deploy", "build"],
  });
  const outsider = await harness.agent("outsider");
  const outsiderPoll = outsider.work();
  await harness.api.trigger("deploy");
  await harness.run("deploy", 1, (run) =>
    /no enabled agent in environment prod/.test(run.stages[0]?.jobs[0]?.waitingReason ?? ""),
  );

  // Listed by name in the config, or registered into the environment: either is in prod.
  const listed = await harness.agent("listed");
  const deployJob = await listed.work();
  assert.equal(deployJob?.locator.pipeline, "deploy");
  const registered = await harness.agent({ name: "registered", environments: ["prod"] });
  const registeredPoll = registered.work();
  // A pipeline outside every environment never goes to an environment's agent: the outsider takes it.
  await harness.polling(registered);
  await harness.api.trigger("build");
  assert.equal((await outsiderPoll)?.locator.pipeline, "build");
  harness.clock.advance(30_000);
  assert.equal(await registeredPoll, null, "an agent in prod gets no job of a pipeline outside it");
});

test("run_instances expands a job into numbered job runs, one agent each", async (t) => {
  const repo = await createGitRepo(t, { "a.txt": "1" });
  const harness = await startEngineHarness(t, {
    pipelineFiles: {
      "a.gocd.yaml": `format_version: 10
pipelines:
  fan:
    ${material(repo.path)}
    stages:
      - s: {jobs: {shard: {run_instances: 3, tasks: [{exec: {command: "true"}}]}}}
`,
    },
    expectPipelines: ["fan"],
  });
  const agents = await Promise.all(["a1", "a2", "a3"].map((name) => harness.agent(name)));
  const polls = agents.map((agent) => agent.work());
  await harness.api.trigger("fan");
  const jobs = await Promise.all(polls);
  assert.deepEqual(jobs.map((job) => job?.locator.job).sort(), [
    "shard-runInstance-1",
    "shard-runInstance-2",
    "shard-runInstance-3",
  ]);
  for (const job of jobs) {
    const env = new Map(job!.environment.map((v) => [v.name, v.value]));
    assert.equal(env.get("GO_JOB_RUN_COUNT"), "3");
    assert.match(env.get("GO_JOB_RUN_INDEX") ?? "", /^[123]$/);
  }
  await Promise.all(agents.map((agent, i) => agent.run(jobs[i]!)));
  const run = await harness.run("fan", 1, (current) => current.result !== "building");
  assert.equal(run.result, "passed");
  assert.deepEqual(new Set(run.stages[0]?.jobs.map((j) => j.agent)), new Set(["a1", "a2", "a3"]));
});
