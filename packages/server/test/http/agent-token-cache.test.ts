/**
 * Agents are authenticated from a cache of token hashes, never staler than the committed row: an agent disabled,
 * enabled or deleted is seen so by its very next request (real HTTP, the suite's store). And the cache itself:
 * a hit needs no query, a miss is never kept, a lookup overtaken by a change keeps nothing, and a step that writes
 * the agents table (only that table) drops it, unless all it did was set an agent's current job: that is patched in.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { ApiRoutes } from "@fawkes/protocol";
import { StepWatchedCache } from "../../src/engine/step-watched-cache.ts";
import { findAgentByName, updateAgent } from "../../src/store/agents-repo.ts";
import type { AgentRecord } from "../../src/store/records.ts";
import { registerAgent, type PlayedAgent } from "./agent-player.ts";
import { startHttpServer, type HttpServer } from "./http-server.ts";

const heartbeat = async (
  server: HttpServer,
  agent: PlayedAgent,
): Promise<{ status: number; state?: string }> => {
  const answer = await fetch(`${server.url}/agent/v1/heartbeat`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${agent.token}` },
    body: JSON.stringify({ runningLeases: [] }),
  });
  const body = (await answer.json()) as { state?: string };
  return answer.ok ? { status: answer.status, state: body.state } : { status: answer.status };
};

const admin = async (server: HttpServer, method: string, route: string, name: string): Promise<void> => {
  const answer = await fetch(server.url + route.replace(":agent", name), {
    method,
    headers: {
      authorization: `Bearer ${server.keys.apiToken}`,
      ...(method === "POST" && { "content-type": "application/json" }),
    },
    ...(method === "POST" && { body: "{}" }),
  });
  assert.ok(answer.ok, `${method} ${route}: ${answer.status} ${await answer.text()}`);
};

test("a disabled, enabled or deleted agent is seen so by its very next request", async (t) => {
  const server = await startHttpServer(t);
  const agent = await registerAgent(server, server.keys.autoRegisterKey, "cached");
  const other = await registerAgent(server, server.keys.autoRegisterKey, "bystander");
  for (let i = 0; i < 3; i++)
    assert.deepEqual(await heartbeat(server, agent), { status: 200, state: "idle" });
  assert.deepEqual(await heartbeat(server, other), { status: 200, state: "idle" });

  await admin(server, "POST", ApiRoutes.disableAgent, agent.name);
  assert.deepEqual(await heartbeat(server, agent), { status: 200, state: "disabled" });
  assert.deepEqual(await heartbeat(server, other), { status: 200, state: "idle" });
  await admin(server, "POST", ApiRoutes.enableAgent, agent.name);
  assert.deepEqual(await heartbeat(server, agent), { status: 200, state: "idle" });
  await admin(server, "DELETE", ApiRoutes.agent, agent.name);
  assert.equal((await heartbeat(server, agent)).status, 401, "a deleted agent's token is refused at once");
  assert.deepEqual(await heartbeat(server, other), { status: 200, state: "idle" });

  // An unknown token is no cached miss: the agent registered under a name works at once, and the deleted one's
  // token stays refused.
  const late = await registerAgent(server, server.keys.autoRegisterKey, "late");
  assert.deepEqual(await heartbeat(server, late), { status: 200, state: "idle" });
  assert.equal((await heartbeat(server, agent)).status, 401);
});

test("the cache answers hits without a query, keeps no miss, and nothing a change overtook", async () => {
  const cache = new StepWatchedCache<string, AgentRecord>("agents");
  const record = { id: "a1", name: "a1", currentJobRunId: null } as AgentRecord;
  const loads: string[] = [];
  const load = (hash: string): Promise<AgentRecord | undefined> => {
    loads.push(hash);
    return Promise.resolve(hash === "known" ? { ...record } : undefined);
  };
  assert.equal((await cache.find("known", load))?.id, "a1");
  const hit = (await cache.find("known", load))!;
  assert.deepEqual(loads, ["known"], "the second lookup is a hit");
  hit.currentJobRunId = 7;
  assert.equal((await cache.find("known", load))?.currentJobRunId, null, "callers get copies");
  assert.equal(await cache.find("unknown", load), undefined);
  assert.equal(await cache.find("unknown", load), undefined);
  assert.deepEqual(loads, ["known", "unknown", "unknown"], "a miss is never cached");

  // A drop while a lookup reads the database: what it read may predate the change, so it is not kept.
  cache.drop();
  let release: () => void = () => undefined;
  const slow = (): Promise<AgentRecord | undefined> =>
    new Promise((resolve) => (release = () => resolve({ ...record })));
  const pending = cache.find("known", slow);
  cache.drop();
  release();
  await pending;
  loads.length = 0;
  await cache.find("known", load);
  assert.deepEqual(loads, ["known"], "the overtaken lookup stored nothing");
});

test("a step that writes the agents table drops the cache and bypasses it until it ends", async (t) => {
  const server = await startHttpServer(t);
  const { engine } = server;
  await registerAgent(server, server.keys.autoRegisterKey, "a1");
  const agent = (await findAgentByName(engine.ctx.db, "a1"))!;
  let loads = 0;
  const load = (): Promise<AgentRecord | undefined> => {
    loads++;
    return Promise.resolve({ ...agent });
  };
  await engine.agentTokens.find(agent.tokenHash, load);
  // A step writing another table keeps the cache.
  await engine.ctx.step(async (tx) => {
    await tx.db.updateTable("pipelines").set({ paused: 0 }).where("name", "=", "none").execute();
  });
  await engine.agentTokens.find(agent.tokenHash, load);
  assert.equal(loads, 1);
  // Inside a step that wrote agents, lookups go to the database; after it, the cache was dropped.
  await engine.ctx.step(async (tx) => {
    await tx.db.updateTable("agents").set({ hostname: "moved" }).where("id", "=", agent.id).execute();
    await engine.agentTokens.find(agent.tokenHash, load);
    await engine.agentTokens.find(agent.tokenHash, load);
  });
  assert.equal(loads, 3, "bypassed while the step runs");
  await engine.agentTokens.find(agent.tokenHash, load);
  await engine.agentTokens.find(agent.tokenHash, load);
  assert.equal(loads, 4, "dropped after the step, then cached again");
  // A rolled-back step drops it too (it may have been read meanwhile).
  await assert.rejects(
    engine.ctx.step(async (tx) => {
      await tx.db.deleteFrom("agents").where("id", "=", "none").execute();
      throw new Error("roll back");
    }),
  );
  await engine.agentTokens.find(agent.tokenHash, load);
  assert.equal(loads, 5);
});

test("a step that only sets an agent's current job patches the cache instead of dropping it", async (t) => {
  const server = await startHttpServer(t);
  const { engine } = server;
  await registerAgent(server, server.keys.autoRegisterKey, "a1");
  await registerAgent(server, server.keys.autoRegisterKey, "a2");
  const a1 = (await findAgentByName(engine.ctx.db, "a1"))!;
  const a2 = (await findAgentByName(engine.ctx.db, "a2"))!;
  let loads = 0;
  const load = async (hash: string): Promise<AgentRecord | undefined> => {
    loads++;
    return [a1, a2].find((a) => a.tokenHash === hash);
  };
  await engine.agentTokens.find(a1.tokenHash, load);
  await engine.agentTokens.find(a2.tokenHash, load);
  assert.equal(loads, 2);
  const jobRunId = 4242;
  await engine.ctx.step(async (tx) => {
    await updateAgent(tx.db, a1.id, { currentJobRunId: jobRunId });
  });
  assert.equal((await engine.agentTokens.find(a1.tokenHash, load))?.currentJobRunId, jobRunId);
  assert.equal((await engine.agentTokens.find(a2.tokenHash, load))?.currentJobRunId, null);
  assert.equal(loads, 2, "patched in place: no reload");
  assert.equal((await findAgentByName(engine.ctx.db, "a1"))?.currentJobRunId, jobRunId, "as committed");

  // Rolled back: what the step wrote never happened, so the cache cannot be patched with it.
  await assert.rejects(
    engine.ctx.step(async (tx) => {
      await updateAgent(tx.db, a1.id, { currentJobRunId: null });
      throw new Error("roll back");
    }),
  );
  await engine.agentTokens.find(a1.tokenHash, load);
  assert.equal(loads, 3, "a rolled-back step drops the cache");

  // The same column written with another one (or by another shape of statement) drops it too.
  await engine.ctx.step(async (tx) => {
    await updateAgent(tx.db, a1.id, { currentJobRunId: null, hostname: "elsewhere" });
  });
  await engine.agentTokens.find(a2.tokenHash, load);
  assert.equal(loads, 4);
});
