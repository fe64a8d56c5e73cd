/**
 * Agents read artifacts only as their state and their job allow: a pending, disabled or idle agent reads
 * none; an enabled agent reads, with its lease, only the job runs its held job fetches from. The agent's side
 * is played over real HTTP (register, work, upload, complete) so every case is exact.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { AgentHeader, ApiRoutes, ErrorCode, apiPath, type JobLocator, type Problem } from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import { completeJob, playUntil, registerAgent, uploadArtifact, type PlayedAgent } from "./agent-player.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

const pipelineYaml = (repo: string): string => `
format_version: 10
pipelines:
  demo:
    group: access
    materials:
      src:
        git: ${yamlString(repo)}
        branch: main
    stages:
      - build:
          jobs:
            compile:
              artifacts:
                - build:
                    source: out
              tasks:
                - exec:
                    command: "true"
      - test:
          jobs:
            check:
              tasks:
                - fetch:
                    stage: build
                    job: compile
                    source: out
`;

const locatorPath = (from: JobLocator): string =>
  [from.pipeline, from.counter, from.stage, from.stageCounter, from.job].map(encodeURIComponent).join("/");

function readArtifact(
  server: HttpServer,
  agent: PlayedAgent,
  from: JobLocator,
  what: "manifest" | "file",
  lease?: string,
): Promise<Response> {
  const suffix = what === "manifest" ? "manifest?path=out" : "files/out/app.txt";
  return fetch(`${server.url}/agent/v1/artifacts/${locatorPath(from)}/${suffix}`, {
    headers: { authorization: `Bearer ${agent.token}`, ...(lease && { [AgentHeader.lease]: lease }) },
  });
}

async function expectRefused(answer: Response, status: number, code: string): Promise<void> {
  const text = await answer.text();
  assert.equal(answer.status, status, text);
  assert.match(answer.headers.get("content-type") ?? "", /^application\/problem\+json/);
  assert.equal((JSON.parse(text) as Problem).code, code, text);
}

test("an agent reads only the artifacts its state and its held job allow", { timeout: 60_000 }, async (t) => {
  const repo = await createGitRepo(t, { "README.md": "demo\n" });
  const config = await writePipelineDir(t, { "demo.gocd.yaml": pipelineYaml(repo.path) });
  const server = await startHttpServer(t, { pipelineSources: [config] });
  const user = { authorization: `Bearer ${server.keys.apiToken}`, "content-type": "application/json" };
  const builder = await registerAgent(server, server.keys.autoRegisterKey, "builder");
  const pending = await registerAgent(server, server.keys.agentKey, "pending");
  const idle = await registerAgent(server, server.keys.autoRegisterKey, "idle");

  await waitFor(
    async () =>
      (
        await fetch(server.url + apiPath(ApiRoutes.trigger, { name: "demo" }), {
          method: "POST",
          headers: user,
          body: "{}",
        })
      ).status === 202,
    { message: "pipeline demo to load and trigger" },
  );

  // Play the builder: upload compile's artifact, complete it, and take the job that fetches it.
  const held = await playUntil(
    server,
    builder,
    async (job) => {
      if (job.locator.job === "check") return job;
      await uploadArtifact(server, builder, job, "out/app.txt", `built by run ${job.locator.counter}\n`);
      await completeJob(server, builder, job);
      return undefined;
    },
    "the check job to be assigned",
  );
  const fetchTask = held.tasks.find((task) => task.kind === "fetch");
  assert.ok(fetchTask?.kind === "fetch");
  const source = fetchTask.from;

  // The legitimate fetch works: manifest and file, with the lease.
  const manifest = await readArtifact(server, builder, source, "manifest", held.leaseId);
  assert.equal(manifest.status, 200, await manifest.clone().text());
  assert.deepEqual(
    ((await manifest.json()) as { files: { path: string }[] }).files.map((f) => f.path),
    ["out/app.txt"],
  );
  const file = await readArtifact(server, builder, source, "file", held.leaseId);
  assert.equal(file.status, 200);
  assert.equal(await file.text(), `built by run ${source.counter}\n`);

  // The same agent without its lease, or with a lease it does not hold.
  await expectRefused(await readArtifact(server, builder, source, "file"), 403, ErrorCode.forbidden);
  await expectRefused(
    await readArtifact(server, builder, source, "manifest", "not-my-lease"),
    403,
    ErrorCode.forbidden,
  );
  // A job run its job does not fetch from: its own, and another run's compile.
  await expectRefused(
    await readArtifact(server, builder, held.locator, "manifest", held.leaseId),
    403,
    ErrorCode.forbidden,
  );
  await expectRefused(
    await readArtifact(server, builder, { ...source, counter: source.counter + 1 }, "file", held.leaseId),
    403,
    ErrorCode.forbidden,
  );
  // External artifacts of the same job run: not what the job fetches.
  const external = await fetch(
    `${server.url}/agent/v1/external-artifacts/${locatorPath(source)}/report/manifest`,
    { headers: { authorization: `Bearer ${builder.token}`, [AgentHeader.lease]: held.leaseId } },
  );
  await expectRefused(external, 403, ErrorCode.forbidden);

  // Other agents, even with the builder's lease: pending (never let in), and enabled but holding nothing.
  await expectRefused(
    await readArtifact(server, pending, source, "file", held.leaseId),
    403,
    ErrorCode.agentNotEnabled,
  );
  await expectRefused(
    await readArtifact(server, idle, source, "file", held.leaseId),
    403,
    ErrorCode.forbidden,
  );

  // Disabled while it holds the job: no artifacts until enabled again.
  const toggle = async (action: "enable" | "disable"): Promise<void> => {
    const route = action === "enable" ? ApiRoutes.enableAgent : ApiRoutes.disableAgent;
    const answer = await fetch(server.url + apiPath(route, { agent: "builder" }), {
      method: "POST",
      headers: { authorization: user.authorization },
    });
    assert.equal(answer.status, 204, await answer.text());
  };
  await toggle("disable");
  await expectRefused(
    await readArtifact(server, builder, source, "file", held.leaseId),
    403,
    ErrorCode.agentNotEnabled,
  );
  await toggle("enable");
  assert.equal((await readArtifact(server, builder, source, "file", held.leaseId)).status, 200);

  // A pending agent polling for work learns it has none, and gets no hints.
  const answer = await fetch(`${server.url}/agent/v1/work`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${pending.token}` },
    body: JSON.stringify({ waitMs: 0 }),
  });
  assert.deepEqual(await answer.json(), { job: null });
});
