/**
 * Deny by default, checked on every route the registry holds (a new route is covered without touching this
 * file): with no credentials, wrong ones, the other kind of token, and the path spelled every way a router or
 * a proxy might undo (percent-escapes, double escapes, case, repeated slashes, dot segments, absolute form,
 * trailing slash), only public routes answer 2xx, nothing answers 5xx, and nothing in the database changes; and
 * a viewer gets 403 on every route needing operate or admin, an operator on every route needing admin.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import test from "node:test";
import Fastify from "fastify";
import { sql } from "kysely";
import { AGENT_PROTOCOL_VERSION, ApiRoutes, AgentHeader } from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir } from "@fawkes/testing";
import { requireDeclaredAccess } from "../../src/http/access.ts";
import { createApiToken, listTokenDtos } from "../../src/identity/users/api-tokens.ts";
import { createUser } from "../../src/identity/users/manage-users.ts";
import { findUserByName } from "../../src/store/users-repo.ts";
import type { RouteSpec } from "../../src/http/registry.ts";
import { registerAgent } from "./agent-player.ts";
import { rawRequest, startHttpServer, type HttpServer, demoPipelineYaml } from "./http-server.ts";

const pipelineYaml = (repo: string): string => demoPipelineYaml(repo, "access");

const ADMIN_POLICY = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

/** Bodies that the route would accept from a caller it lets in: a refusal is then the access check's. */
function bodyFor(spec: RouteSpec<never>, repoUrl: string): string {
  const bodies: Record<string, unknown> = {
    [`POST ${ApiRoutes.credentials}`]: { name: "intruder", policy: ADMIN_POLICY },
    [`POST ${ApiRoutes.pause}`]: { reason: "paused by an intruder" },
    [`PATCH ${ApiRoutes.agent}`]: { resources: ["intruder"] },
    [`POST ${ApiRoutes.notify}`]: { url: repoUrl },
    [`POST ${ApiRoutes.webhook}`]: { url: repoUrl },
    [`POST ${ApiRoutes.session}`]: { token: "not-the-api-token" },
    [`POST ${ApiRoutes.login}`]: { user: "viewer", password: "not-the-password" },
    [`POST ${ApiRoutes.users}`]: { name: "intruder", role: "admin" },
    [`PATCH ${ApiRoutes.user}`]: { role: "admin" },
    [`PUT ${ApiRoutes.userGroup}`]: { role: "admin" },
    [`POST ${ApiRoutes.tokens}`]: { name: "intruder", user: "operator" },
    "POST /agent/v1/register": {
      protocolVersion: AGENT_PROTOCOL_VERSION,
      key: "not-a-registration-key",
      name: "intruder",
      hostname: "intruder",
      resources: [],
    },
    "POST /agent/v1/work": { waitMs: 0 },
    "POST /agent/v1/heartbeat": { runningLeases: [] },
    "POST /agent/v1/jobs/:jobRunId/state": { state: "building" },
    "POST /agent/v1/jobs/:jobRunId/complete": { result: "passed" },
  };
  const body = bodies[`${spec.method} ${spec.path}`];
  return body === undefined
    ? ["GET", "HEAD", "DELETE"].includes(spec.method)
      ? ""
      : "{}"
    : JSON.stringify(body);
}

function concretePath(spec: RouteSpec<never>, params: Record<string, string>): string {
  return spec.path
    .replace(/:([A-Za-z]+)/g, (_, key: string) => params[key] ?? "x")
    .replace(/\*$/, spec.path.includes("external-artifacts") ? "report/file.txt" : "file.txt");
}

const hex = (char: string): string => `%${char.charCodeAt(0).toString(16).padStart(2, "0")}`;

/** Ways to spell `p` (`/api/v1/...` or `/agent/v1/...`) that a lenient router or proxy may take for `p`. */
function spellings(p: string, server: HttpServer): Record<string, string> {
  const [, first = "", ...rest] = p.split("/");
  const tail = rest.join("/");
  const encodeFirstLetterOf = (segment: string): string =>
    /^[A-Za-z]/.test(segment) ? hex(segment[0]!) + segment.slice(1) : segment;
  return {
    "percent-encoded letter": `/${encodeFirstLetterOf(first)}/${tail}`,
    "percent-encoded letter further on": `/${first}/${rest.map((s, i) => (i === 1 ? encodeFirstLetterOf(s) : s)).join("/")}`,
    "upper-case percent escape": `/${hex(first[0]!).toUpperCase()}${first.slice(1)}/${tail}`,
    "double encoding": `/%25${hex(first[0]!).slice(1)}${first.slice(1)}/${tail}`,
    "upper case": p.toUpperCase(),
    "capitalised segment": `/${first[0]!.toUpperCase()}${first.slice(1)}/${tail}`,
    "leading double slash": `/${p}`,
    "inner double slash": `/${first}//${tail}`,
    "dot segment before": `/x/..${p}`,
    "dot segment inside": `/${first}/./${tail}`,
    "dot-dot segment inside": `/${first}/zz/../${tail}`,
    "encoded slash": `/${first}%2f${tail}`,
    "absolute form": `http://${server.host}:${server.port}${p}`,
    "absolute form, other host": `http://fawkes.invalid${p}`,
    "trailing slash": `${p}/`,
  };
}

/** Everything a refused request must not change (heartbeat times move with every agent call: left out). */
async function snapshot(server: HttpServer): Promise<string> {
  const { db } = server.engine.ctx;
  const tables = [
    "pipelines",
    "pipeline_runs",
    "run_materials",
    "stage_runs",
    "job_runs",
    "artifacts",
    "external_artifacts",
    "access_keys",
    "sessions",
    "key_values",
    "users",
    "user_group_roles",
  ];
  const rows: Record<string, unknown[]> = {};
  for (const table of tables) rows[table] = (await sql`select * from ${sql.table(table)}`.execute(db)).rows;
  rows.agents = (await sql<Record<string, unknown>>`select * from agents order by id`.execute(db)).rows.map(
    ({ last_heartbeat_at: _ignored, ...row }) => row,
  );
  // A token's use is recorded (at most once a minute): the rest of the row must not change.
  rows.api_tokens = (
    await sql<Record<string, unknown>>`select * from api_tokens order by id`.execute(db)
  ).rows.map(({ last_used_at: _ignored, ...row }) => row);
  const apiToken = await readFile(path.join(server.dataDir, "keys", "api-token"), "utf8");
  return JSON.stringify({ rows, apiToken });
}

test(
  "no route lets in a caller its declared access does not name, however its path is spelled",
  { timeout: 180_000 },
  async (t) => {
    const repo = await createGitRepo(t, null); // no commit: nothing triggers a run by itself
    const config = await writePipelineDir(t, { "demo.gocd.yaml": pipelineYaml(repo.path) });
    const server = await startHttpServer(t, { pipelineSources: [config] });
    const user = { authorization: `Bearer ${server.keys.apiToken}` };
    await waitFor(
      async () => {
        const answer = await fetch(server.url + ApiRoutes.pipelines, { headers: user });
        return answer.ok && (await answer.text()).includes('"demo"');
      },
      { message: "pipeline demo to load" },
    );
    const pendingToken = (await registerAgent(server, server.keys.agentKey, "pending-agent")).token;
    const enabledToken = (await registerAgent(server, server.keys.autoRegisterKey, "enabled-agent")).token;
    const adminKeyId = (await server.engine.ctx.cloud!.accessKeys.list())[0]?.accessKeyId ?? "AKIAX";
    // A viewer and an operator, each with a personal token: refused (403) on every route needing more.
    const roleTokens: Record<string, string> = {};
    for (const role of ["viewer", "operator"] as const) {
      await createUser(server.engine.ctx, { name: role, role, password: "a long enough password" });
      const user = (await findUserByName(server.engine.ctx.db, role))!;
      roleTokens[role] = (await createApiToken(server.engine.ctx, user, "test", undefined)).token;
    }
    const operatorTokenId = (await listTokenDtos(server.engine.ctx.db)).find(
      (t) => t.user === "operator",
    )!.id;

    const specs = server.routes.specs as RouteSpec<never>[];
    // The registry holds every route: the API, the agent protocol, the webhook.
    for (const route of ["/agent/v1/register", "/agent/v1/work", ApiRoutes.webhook, ApiRoutes.credentials])
      assert.ok(
        specs.some((s) => s.path === route),
        `${route} is not in the registry`,
      );

    const params = {
      name: "demo",
      counter: "1",
      stage: "build",
      stageCounter: "1",
      job: "compile",
      agent: "pending-agent",
      accessKeyId: adminKeyId,
      bucket: "artifacts",
      jobRunId: "1",
      pipeline: "demo",
      artifactId: "report",
      user: "operator",
      group: "access",
      tokenId: operatorTokenId,
    };
    const before = await snapshot(server);
    const failures: string[] = [];
    let sent = 0;
    const check = async (
      spec: RouteSpec<never>,
      caller: string,
      target: string,
      headers: Record<string, string>,
    ): Promise<void> => {
      const answer = await rawRequest(server, {
        method: spec.method,
        target,
        headers,
        body: bodyFor(spec, repo.path),
      });
      sent++;
      const what = `${spec.method} ${target} (${spec.access} route, ${caller}) answered ${answer.status}`;
      if (answer.status >= 500) failures.push(`${what}: ${answer.body.slice(0, 200)}`);
      else if (spec.access !== "public" && answer.status >= 200 && answer.status < 300) failures.push(what);
    };

    // Each user route needs a permission; a role below it is refused with 403 on the route, whatever it is.
    let roleChecks = 0;
    const checkRole = async (spec: RouteSpec<never>, role: string, target: string): Promise<void> => {
      const answer = await rawRequest(server, {
        method: spec.method,
        target,
        headers: { authorization: `Bearer ${roleTokens[role]}` },
        body: bodyFor(spec, repo.path),
      });
      sent++;
      roleChecks++;
      if (answer.status !== 403)
        failures.push(
          `${spec.method} ${target} (needs ${spec.permission ?? "admin"}, a ${role}) answered ${answer.status}: ${answer.body.slice(0, 200)}`,
        );
    };

    const wrongCookie = `fawkes_session=${"A".repeat(43)}`;
    for (const spec of specs) {
      const p = concretePath(spec, params);
      const agentRoute = spec.access.startsWith("agent");
      const callers: Record<string, Record<string, string>> = {
        "no credentials": {},
        "wrong bearer token": { authorization: "Bearer not-a-token" },
        "unknown session cookie": { cookie: wrongCookie },
        "basic auth with the API token": {
          authorization: `Basic ${Buffer.from(`admin:${server.keys.apiToken}`).toString("base64")}`,
        },
      };
      if (agentRoute) {
        callers["the API token"] = user;
        callers["the agent key"] = { authorization: `Bearer ${server.keys.agentKey}` };
      } else {
        callers["an enabled agent's token"] = { authorization: `Bearer ${enabledToken}` };
        callers["a pending agent's token"] = { authorization: `Bearer ${pendingToken}` };
      }
      if (spec.access === "agent-lease" || spec.access === "agent-fetch") {
        callers["an enabled agent without a lease"] = { authorization: `Bearer ${enabledToken}` };
        callers["an enabled agent with a made-up lease"] = {
          authorization: `Bearer ${enabledToken}`,
          [AgentHeader.lease]: "made-up-lease",
        };
        callers["a pending agent with a made-up lease"] = {
          authorization: `Bearer ${pendingToken}`,
          [AgentHeader.lease]: "made-up-lease",
        };
      }
      for (const [caller, headers] of Object.entries(callers)) await check(spec, caller, p, headers);
      if (spec.access === "user") {
        const needed = spec.permission ?? "admin";
        if (needed !== "view") await checkRole(spec, "viewer", p);
        if (needed === "admin") await checkRole(spec, "operator", p);
      }
      // fastify answers HEAD for every GET route: the same access applies.
      if (spec.method === "GET") await check({ ...spec, method: "HEAD" } as never, "no credentials", p, {});
      for (const [spelling, target] of Object.entries(spellings(p, server))) {
        await check(spec, `no credentials, ${spelling}`, target, {});
        if (!agentRoute)
          await check(spec, `an agent's token, ${spelling}`, target, {
            authorization: `Bearer ${enabledToken}`,
          });
      }
    }
    assert.deepEqual(
      failures,
      [],
      `${failures.length} of ${sent} requests got through:\n${failures.join("\n")}`,
    );
    assert.equal(await snapshot(server), before, "a refused request changed the server's state");
    // The trigger, pause, approve, cancel, rerun routes need operate; config, agents, keys, users need admin.
    const needs = (method: string, route: string): string | undefined =>
      specs.find((s) => s.method === method && s.path === route)?.permission ?? "admin";
    assert.equal(needs("POST", ApiRoutes.trigger), "operate");
    assert.equal(needs("POST", ApiRoutes.approve), "operate");
    assert.equal(needs("POST", ApiRoutes.credentials), "admin");
    assert.equal(needs("POST", ApiRoutes.users), "admin");
    assert.equal(needs("POST", ApiRoutes.enableAgent), "admin");
    assert.equal(needs("GET", ApiRoutes.pipelines), "view");
    assert.ok(roleChecks > 30, `only ${roleChecks} role checks ran`);

    // The bodies were good: the same requests with the API token do what they say.
    const created = await rawRequest(server, {
      method: "POST",
      target: ApiRoutes.credentials,
      headers: user,
      body: JSON.stringify({ name: "intruder", policy: ADMIN_POLICY }),
    });
    assert.equal(created.status, 201, created.body);
    const paused = await rawRequest(server, {
      method: "POST",
      target: "/api/v1/pipelines/demo/pause",
      headers: user,
      body: JSON.stringify({ reason: "x" }),
    });
    assert.equal(paused.status, 204, paused.body);
  },
);

test("a route that declares no access stops the start-up", async () => {
  const app = Fastify();
  app.addHook("onRoute", requireDeclaredAccess);
  app.get("/declared", { config: { access: "public" } }, async () => "ok");
  assert.throws(() => app.get("/undeclared", async () => "no"), /GET \/undeclared declares no access/);
  await app.close();
});
