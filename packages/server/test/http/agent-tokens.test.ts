/**
 * Agents' own tokens over real HTTP: an agent rotates its token and the old one is refused on its very next
 * request (through the token cache); an administrator revokes a token and the agent must register again with
 * the key, pending; and an agent's token reaches only the job it holds — never another job's assignment, secrets,
 * console, artifacts or result, even with that job's lease id.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import test from "node:test";
import { sql } from "kysely";
import {
  AGENT_PROTOCOL_VERSION,
  AgentHeader,
  ApiRoutes,
  ErrorCode,
  apiPath,
  type JobAssignment,
  type Problem,
} from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import { registerAgent, work, type PlayedAgent } from "./agent-player.ts";
import { systemClock, type Clock } from "../../src/engine/clock.ts";
import { AGENT_TOKEN_GRACE_MS } from "../../src/services/agent-tokens.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

async function expectProblem(answer: Response, status: number, code: string): Promise<void> {
  const text = await answer.text();
  assert.equal(answer.status, status, text);
  assert.equal((JSON.parse(text) as Problem).code, code, text);
}

const poll = (server: HttpServer, token: string): Promise<Response> =>
  fetch(`${server.url}/agent/v1/work`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ waitMs: 0 }),
  });

const admin = (server: HttpServer): Record<string, string> => ({
  authorization: `Bearer ${server.keys.apiToken}`,
  "content-type": "application/json",
});

const rotate = (server: HttpServer, token: string): Promise<Response> =>
  fetch(`${server.url}/agent/v1/token`, { method: "POST", headers: { authorization: `Bearer ${token}` } });

async function rotated(server: HttpServer, token: string): Promise<string> {
  const answer = await rotate(server, token);
  assert.equal(answer.status, 200, await answer.clone().text());
  const next = ((await answer.json()) as { token: string }).token;
  assert.notEqual(next, token);
  return next;
}

test(
  "an agent's rotated-away token works until the new one is first used, then is refused",
  { timeout: 60_000 },
  async (t) => {
    const server = await startHttpServer(t);
    const agent = await registerAgent(server, server.keys.autoRegisterKey, "rotating");
    // Warm the token cache: the old token is served from memory until the rotation's step.
    for (let i = 0; i < 3; i++) assert.equal((await poll(server, agent.token)).status, 200);
    const token = await rotated(server, agent.token);
    // The grace: the agent may not have saved the new token yet.
    assert.equal((await poll(server, agent.token)).status, 200);
    assert.equal((await poll(server, token)).status, 200);
    // The new token is in use: the old one is refused from now on, for work and for rotating.
    await expectProblem(await poll(server, agent.token), 401, ErrorCode.unauthorized);
    await expectProblem(await rotate(server, agent.token), 401, ErrorCode.unauthorized);
    assert.equal((await poll(server, token)).status, 200);
    // Only the hashes are stored.
    const { rows } = await sql`select * from agents`.execute(server.engine.ctx.db);
    assert.ok(!JSON.stringify(rows).includes(token) && !JSON.stringify(rows).includes(agent.token));
  },
);

test(
  "an agent that lost its new token comes back with the old one during the grace, and not after",
  { timeout: 60_000 },
  async (t) => {
    let offset = 0;
    const clock: Clock = { ...systemClock, now: () => Date.now() + offset };
    const server = await startHttpServer(t, { clock });
    const agent = await registerAgent(server, server.keys.autoRegisterKey, "crashing");
    const register = (token: string): Promise<Response> =>
      fetch(`${server.url}/agent/v1/register`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          protocolVersion: AGENT_PROTOCOL_VERSION,
          key: server.keys.autoRegisterKey,
          name: "crashing",
          hostname: "h",
          resources: [],
          environments: [],
          agentId: agent.agentId,
          token,
          runningLeases: [],
        }),
      });

    // The agent "crashes" after the server answered: the new token is never written, never used.
    const lost = await rotated(server, agent.token);
    offset = AGENT_TOKEN_GRACE_MS - 60_000;
    // It restarts with the old token: its registration is taken, and finishes the rotation with a new token.
    const back = await register(agent.token);
    assert.equal(back.status, 200, await back.clone().text());
    const recovered = ((await back.json()) as { token: string }).token;
    assert.ok(recovered !== agent.token && recovered !== lost, "a token of its own");
    // While the new one is unused the old one still works (it may crash again before saving it)...
    assert.equal((await poll(server, agent.token)).status, 200);
    assert.equal((await poll(server, recovered)).status, 200);
    // ...and once it is used, the lost token and the old one are refused.
    await expectProblem(await poll(server, lost), 401, ErrorCode.unauthorized);
    await expectProblem(await poll(server, agent.token), 401, ErrorCode.unauthorized);
    await expectProblem(await register(agent.token), 401, ErrorCode.agentIdentityUnknown);

    // Rotating with the previous token (an answer lost on the way, retried) is a rotation too.
    const retried = await rotated(server, recovered);
    const again = await rotated(server, recovered);
    assert.notEqual(again, retried);
    assert.equal((await poll(server, again)).status, 200);
    await expectProblem(await poll(server, retried), 401, ErrorCode.unauthorized);
    await expectProblem(await poll(server, recovered), 401, ErrorCode.unauthorized);
    const entries = await server.engine.ctx.db
      .selectFrom("audit_log")
      .select(["action", "details_json"])
      .where("action", "=", "agent.token.rotate")
      .orderBy("id")
      .execute();
    const id = agent.agentId;
    assert.deepEqual(
      entries.map((entry) => JSON.parse(entry.details_json) as object),
      [
        { id },
        { id, withPreviousToken: true, atRegistration: true },
        { id },
        { id, withPreviousToken: true },
      ],
    );

    // Another rotation whose token is never used: past the grace the old token is refused everywhere.
    const unused = await rotated(server, again);
    assert.equal((await poll(server, again)).status, 200, "in the grace");
    offset += AGENT_TOKEN_GRACE_MS + 1;
    await expectProblem(await poll(server, again), 401, ErrorCode.unauthorized);
    await expectProblem(await rotate(server, again), 401, ErrorCode.unauthorized);
    await expectProblem(await register(again), 401, ErrorCode.agentIdentityUnknown);
    assert.equal((await poll(server, unused)).status, 200);
  },
);

test(
  "a revoked agent token: the agent registers again with the key and is pending",
  { timeout: 60_000 },
  async (t) => {
    const server = await startHttpServer(t);
    const agent = await registerAgent(server, server.keys.autoRegisterKey, "revoked");
    assert.equal((await poll(server, agent.token)).status, 200);
    const revoke = await fetch(server.url + apiPath(ApiRoutes.revokeAgentToken, { agent: "revoked" }), {
      method: "POST",
      headers: { authorization: `Bearer ${server.keys.apiToken}` },
    });
    assert.equal(revoke.status, 204, await revoke.text());
    await expectProblem(await poll(server, agent.token), 401, ErrorCode.unauthorized);
    // Its saved identity is refused: it registers afresh…
    const withIdentity = await fetch(`${server.url}/agent/v1/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: server.keys.autoRegisterKey,
        name: "revoked",
        hostname: "revoked",
        resources: [],
        agentId: (await server.engine.ctx.db.selectFrom("agents").select("id").executeTakeFirstOrThrow()).id,
        token: agent.token,
      }),
    });
    await expectProblem(withIdentity, 401, ErrorCode.agentIdentityUnknown);
    // …under its name, and is pending even with the auto-register key, until an administrator enables it.
    const again = await registerAgent(server, server.keys.autoRegisterKey, "revoked");
    const agents = (await (
      await fetch(server.url + ApiRoutes.agents, { headers: admin(server) })
    ).json()) as {
      agents: { name: string; state: string }[];
    };
    assert.deepEqual(
      agents.agents.map((a) => [a.name, a.state]),
      [["revoked", "pending"]],
    );
    assert.equal((await poll(server, again.token)).status, 200);
    // A wrong key still registers nothing.
    const wrongKey = await fetch(`${server.url}/agent/v1/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: "wrong",
        name: "revoked",
        hostname: "x",
        resources: [],
      }),
    });
    await expectProblem(wrongKey, 401, ErrorCode.unauthorized);
    // An agent that does not exist: 404, nothing changes.
    assert.equal(
      (
        await fetch(server.url + apiPath(ApiRoutes.revokeAgentToken, { agent: "nobody" }), {
          method: "POST",
          headers: { authorization: `Bearer ${server.keys.apiToken}` },
        })
      ).status,
      404,
    );
  },
);

const secretA = `alpha-${randomBytes(8).toString("hex")}`;
const secretB = `bravo-${randomBytes(8).toString("hex")}`;
const twoJobsYaml = (repo: string): string => `
format_version: 10
pipelines:
  pair:
    group: isolation
    materials:
      src:
        git: ${yamlString(repo)}
        branch: main
    stages:
      - build:
          jobs:
            alpha:
              secure_variables:
                SECRET: ${yamlString(secretA)}
              tasks:
                - exec:
                    command: "true"
            bravo:
              secure_variables:
                SECRET: ${yamlString(secretB)}
              tasks:
                - exec:
                    command: "true"
`;

test(
  "an agent token cannot read another job's secrets, nor report on or upload to it with its lease",
  { timeout: 60_000 },
  async (t) => {
    const repo = await createGitRepo(t, { "README.md": "x\n" });
    const config = await writePipelineDir(t, { "pair.gocd.yaml": twoJobsYaml(repo.path) });
    const server = await startHttpServer(t, { pipelineSources: [config] });
    const first = await registerAgent(server, server.keys.autoRegisterKey, "first");
    const second = await registerAgent(server, server.keys.autoRegisterKey, "second");
    await waitFor(
      async () =>
        (
          await fetch(server.url + apiPath(ApiRoutes.trigger, { name: "pair" }), {
            method: "POST",
            headers: admin(server),
            body: "{}",
          })
        ).status === 202,
      { message: "pipeline pair to load and trigger" },
    );
    const take = (agent: PlayedAgent): Promise<JobAssignment> =>
      waitFor(async () => (await work(server, agent)) ?? undefined, {
        timeoutMs: 30_000,
        message: `a job for ${agent.name}`,
      });
    const mine = await take(first);
    const theirs = await take(second);
    assert.notEqual(mine.jobRunId, theirs.jobRunId);
    const secretOf = (job: JobAssignment): string | undefined =>
      job.environment.find((v) => v.name === "SECRET")?.value;
    const [mySecret, theirSecret] = [secretOf(mine), secretOf(theirs)];
    assert.deepEqual([mySecret, theirSecret].sort(), [secretA, secretB].sort());
    assert.ok(!JSON.stringify(mine).includes(theirSecret!), "an assignment carries another job's secret");
    // The first agent polls again: it is given its own job again at most, nothing of the other.
    const again = await work(server, first, 0);
    assert.ok(again === null || again.jobRunId === mine.jobRunId, JSON.stringify(again));

    // With its own token and the other job's lease id (as if it had read it somewhere): all refused.
    const stolen = { authorization: `Bearer ${first.token}`, [AgentHeader.lease]: theirs.leaseId };
    const base = `${server.url}/agent/v1/jobs/${theirs.jobRunId}`;
    const attempts: [string, RequestInit][] = [
      [
        "/console",
        { method: "POST", headers: { ...stolen, "content-type": "text/plain" }, body: "forged\n" },
      ],
      [
        "/state",
        {
          method: "POST",
          headers: { ...stolen, "content-type": "application/json" },
          body: '{"state":"building"}',
        },
      ],
      [
        "/artifacts/out/forged.txt",
        { method: "PUT", headers: { ...stolen, "content-type": "application/octet-stream" }, body: "forged" },
      ],
      [
        "/complete",
        {
          method: "POST",
          headers: { ...stolen, "content-type": "application/json" },
          body: '{"result":"failed"}',
        },
      ],
      ["/credentials", { method: "POST", headers: stolen }],
    ];
    for (const [suffix, init] of attempts) {
      const answer = await fetch(base + suffix, init);
      const text = await answer.text();
      // 404: a route another change adds (job credentials) is not there yet.
      assert.ok([404, 409].includes(answer.status), `${suffix} answered ${answer.status}: ${text}`);
      if (answer.status === 409) assert.equal((JSON.parse(text) as Problem).code, ErrorCode.leaseLost, text);
    }
    // Nothing of it landed: no artifact, no console line, the job still running for the second agent.
    const { rows } = await sql<{ path: string }>`select path from artifacts`.execute(server.engine.ctx.db);
    assert.deepEqual(rows, []);
    const job = await sql<{
      state: string;
      result: string | null;
    }>`select state, result from job_runs where id = ${theirs.jobRunId}`.execute(server.engine.ctx.db);
    assert.notEqual(job.rows[0]?.state, "completed");
    const consoleText = await fetch(
      server.url +
        apiPath(ApiRoutes.console, {
          name: "pair",
          counter: 1,
          stage: "build",
          stageCounter: 1,
          job: theirs.locator.job,
        }),
      { headers: admin(server) },
    );
    assert.ok(!(await consoleText.text()).includes("forged"));
  },
);
