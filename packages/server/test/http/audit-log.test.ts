/**
 * The audit log over real HTTP, on the suite's store (SQLite, or PostgreSQL under FAWKES_TEST_STORE=postgres):
 * every audited action leaves exactly one entry with the right actor and target, secrets appear by name only,
 * a refused request leaves none, an audited change cannot commit without its entry (a forced failure of the
 * entry's insert rolls the change back), and GET /api/v1/audit filters and pages newest first.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import test, { type TestContext } from "node:test";
import {
  AGENT_PROTOCOL_VERSION,
  ApiRoutes,
  ErrorCode,
  apiPath,
  type AuditEntryDto,
  type AuditListDto,
  type CreatedAccessKeyDto,
  type PipelineStatusDto,
  type Problem,
} from "@fawkes/protocol";
import { createGitRepo, waitFor, writePipelineDir, yamlString } from "@fawkes/testing";
import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from "kysely";
import { recordAudit } from "../../src/services/audit.ts";
import { completeJob, playUntil, registerAgent, work } from "./agent-player.ts";
import { rawRequest, startHttpServer, type HttpServer } from "./http-server.ts";

const secrets = {
  secure: `secure-${randomBytes(8).toString("hex")}`,
  trigger: `trigger-${randomBytes(8).toString("hex")}`,
  password: `pw${randomBytes(8).toString("hex")}`,
};

const pipelineYaml = (url: string): string => `
format_version: 10
pipelines:
  demo:
    group: audit
    secure_variables:
      SECRET_VAR: ${yamlString(secrets.secure)}
    environment_variables:
      PLAIN_VAR: plain
    materials:
      src:
        git: ${yamlString(url)}
        branch: main
        auto_update: false
    stages:
      - build:
          jobs:
            compile:
              tasks:
                - exec:
                    command: "true"
      - ship:
          approval: manual
          jobs:
            deploy:
              tasks:
                - exec:
                    command: "true"
`;

interface Started {
  server: HttpServer;
  repoUrl: string;
  configDir: string;
}

async function startWithDemo(t: TestContext, plugins: KyselyPlugin[] = []): Promise<Started> {
  const repo = await createGitRepo(t, { "README.md": "audited\n" });
  // git takes user info in a file:// URL with the host `localhost`: a real credentialed material.
  const repoUrl = `file://deploy:${secrets.password}@localhost${repo.path}`;
  const configDir = await writePipelineDir(t, { "demo.gocd.yaml": pipelineYaml(repoUrl) });
  const server = await startHttpServer(t, { pipelineSources: [configDir], plugins });
  await waitFor(async () => (await call(server, "GET", ApiRoutes.pipelines)).text.includes('"demo"'), {
    message: "pipeline demo to load",
  });
  return { server, repoUrl, configDir };
}

interface Answer {
  status: number;
  text: string;
}

async function call(
  server: HttpServer,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(server.url + path, {
    method,
    headers: {
      authorization: `Bearer ${server.keys.apiToken}`,
      ...(body !== undefined && { "content-type": "application/json" }),
      ...headers,
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, text: await response.text() };
}

async function ok(server: HttpServer, method: string, path: string, body?: unknown): Promise<string> {
  const answer = await call(server, method, path, body);
  assert.ok(
    answer.status >= 200 && answer.status < 300,
    `${method} ${path}: ${answer.status} ${answer.text}`,
  );
  return answer.text;
}

async function audit(server: HttpServer, query = ""): Promise<AuditListDto> {
  return JSON.parse(await ok(server, "GET", `${ApiRoutes.audit}${query}`)) as AuditListDto;
}

/** Every entry, oldest first, paging through the API. */
async function allEntries(server: HttpServer): Promise<AuditEntryDto[]> {
  const entries: AuditEntryDto[] = [];
  let before: number | null = null;
  do {
    const page: AuditListDto = await audit(server, `?limit=500${before === null ? "" : `&before=${before}`}`);
    entries.push(...page.entries);
    before = page.next;
  } while (before !== null);
  return entries.reverse();
}

const summary = (entry: AuditEntryDto): string =>
  `${entry.action} ${entry.actor.kind}:${entry.actor.name} ${entry.target}`;

const stagePath = (route: string, stage: string, counter = 1): string =>
  apiPath(route, { name: "demo", counter, stage });

async function runResult(server: HttpServer): Promise<PipelineStatusDto["runs"][number] | undefined> {
  const status = JSON.parse(
    await ok(server, "GET", apiPath(ApiRoutes.pipelineStatus, { name: "demo" })),
  ) as PipelineStatusDto;
  return status.runs[0];
}

test(
  "every audited action leaves exactly one entry, with its actor and target, and secrets only by name",
  { timeout: 120_000 },
  async (t) => {
    const { server, repoUrl, configDir } = await startWithDemo(t);
    const expected: string[] = [`config.change system:fawkes config/${configDir}`];
    // The config load is recorded before the pipeline appears.
    assert.deepEqual((await allEntries(server)).map(summary), expected);
    const [config] = await allEntries(server);
    assert.deepEqual(config?.details.pipelines, ["demo"]);
    assert.match(String(config?.details.revision), /^sha256:[0-9a-f]{64}$/);

    const builder = await registerAgent(server, server.keys.autoRegisterKey, "builder");
    expected.push("agent.register agent:builder agent/builder");

    await ok(server, "POST", apiPath(ApiRoutes.trigger, { name: "demo" }), {
      variables: { SECRET_VAR: secrets.trigger },
    });
    expected.push("pipeline.trigger user:admin pipeline/demo/1");

    const compile = await playUntil(server, builder, async (job) => job, "the build job");
    expected.push("secret.read agent:builder pipeline/demo/1/build/1/compile");
    await completeJob(server, builder, compile);
    await waitFor(async () => (await runResult(server))?.stages.at(-1)?.result === "passed", {
      message: "build to pass",
    });

    await ok(server, "POST", stagePath(ApiRoutes.approve, "ship"));
    expected.push("stage.approve user:admin pipeline/demo/1/ship");
    // The agent does not poll: the scheduled job ends at once.
    await ok(server, "POST", stagePath(ApiRoutes.cancelStage, "ship"));
    expected.push("stage.cancel user:admin pipeline/demo/1/ship");
    await ok(server, "POST", stagePath(ApiRoutes.rerun, "build"), { jobs: [] });
    expected.push("stage.rerun user:admin pipeline/demo/1/build");
    await ok(server, "POST", apiPath(ApiRoutes.cancelRun, { name: "demo", counter: 1 }));
    expected.push("run.cancel user:admin pipeline/demo/1");

    await ok(server, "POST", apiPath(ApiRoutes.pause, { name: "demo" }), { reason: "audit me" });
    expected.push("pipeline.pause user:admin pipeline/demo");
    await ok(server, "POST", apiPath(ApiRoutes.unpause, { name: "demo" }));
    expected.push("pipeline.unpause user:admin pipeline/demo");

    await ok(server, "POST", apiPath(ApiRoutes.disableAgent, { agent: "builder" }));
    expected.push("agent.disable user:admin agent/builder");
    // Disabling a disabled agent changes nothing: no entry.
    await ok(server, "POST", apiPath(ApiRoutes.disableAgent, { agent: "builder" }));
    await ok(server, "POST", apiPath(ApiRoutes.enableAgent, { agent: "builder" }));
    expected.push("agent.enable user:admin agent/builder");
    await ok(server, "PATCH", apiPath(ApiRoutes.agent, { agent: "builder" }), { resources: ["linux"] });
    expected.push("agent.update user:admin agent/builder");
    assert.equal(await work(server, builder, 50), null, "nothing left to run");
    await ok(server, "DELETE", apiPath(ApiRoutes.agent, { agent: "builder" }));
    expected.push("agent.delete user:admin agent/builder");

    const key = JSON.parse(
      await ok(server, "POST", ApiRoutes.credentials, {
        name: "deployer",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
      }),
    ) as CreatedAccessKeyDto;
    expected.push(`access-key.create user:admin access-key/${key.accessKeyId}`);
    await ok(server, "DELETE", apiPath(ApiRoutes.credential, { accessKeyId: key.accessKeyId }));
    expected.push(`access-key.delete user:admin access-key/${key.accessKeyId}`);

    await ok(server, "POST", ApiRoutes.notify, { url: repoUrl });
    expected.push(`material.notify user:admin material/${repoUrl.replace(/\/\/[^@]+@/, "//***@")}`);

    const login = await rawRequest(server, {
      method: "POST",
      target: ApiRoutes.session,
      body: JSON.stringify({ token: server.keys.apiToken }),
    });
    assert.equal(login.status, 204, login.body);
    expected.push("session.login user:admin session");
    const cookie = /^(fawkes_session=[^;]+)/.exec(login.headers["set-cookie"] ?? "")?.[1] ?? "";
    const logout = await rawRequest(server, {
      method: "DELETE",
      target: ApiRoutes.session,
      headers: { cookie, origin: server.url },
    });
    assert.equal(logout.status, 204, logout.body);
    expected.push("session.logout user:admin session");

    const rotated = JSON.parse(await ok(server, "POST", ApiRoutes.apiTokenRotate)) as { token: string };
    expected.push("api-token.rotate user:admin api-token");
    assert.equal(server.keys.apiToken, rotated.token);

    const entries = await allEntries(server);
    assert.deepEqual(entries.map(summary), expected);
    // Changes made by a request carry its address; what the server does on its own (config loads, handing a
    // job to an agent) carries none.
    for (const entry of entries)
      if (entry.action === "config.change" || entry.action === "secret.read")
        assert.equal(entry.sourceIp, null, summary(entry));
      else assert.match(entry.sourceIp ?? "", /^(::ffff:)?127\.0\.0\.1$/, summary(entry));

    const byAction = (action: string): AuditEntryDto | undefined => entries.find((e) => e.action === action);
    assert.deepEqual(byAction("secret.read")?.details, {
      variables: ["SECRET_VAR"],
      materials: ["src"],
      attempt: 1,
    });
    assert.deepEqual(byAction("pipeline.trigger")?.details, {
      label: "1",
      variables: ["SECRET_VAR"],
      revisions: {},
    });
    assert.deepEqual(byAction("pipeline.pause")?.details, { reason: "audit me" });

    // No secret of the run, the key, the token or the session, in the table or in the API's answer.
    const table = JSON.stringify(await server.engine.ctx.db.selectFrom("audit_log").selectAll().execute());
    const answer = await ok(server, "GET", `${ApiRoutes.audit}?limit=500`);
    assert.ok(table.includes("SECRET_VAR") && answer.includes("SECRET_VAR"), "the search is not vacuous");
    for (const [where, text] of [
      ["the audit table", table],
      ["GET /api/v1/audit", answer],
    ] as const) {
      for (const secret of [
        ...Object.values(secrets),
        key.secretAccessKey,
        rotated.token,
        cookie.split("=")[1] ?? "",
      ])
        assert.ok(!text.includes(secret), `a secret value in ${where}`);
    }
  },
);

test("a refused request leaves no entry", { timeout: 60_000 }, async (t) => {
  const { server } = await startWithDemo(t);
  const before = await allEntries(server);
  const refusals: [string, string, unknown, number, string][] = [
    ["POST", apiPath(ApiRoutes.pause, { name: "nope" }), { reason: "x" }, 404, ErrorCode.pipelineNotFound],
    [
      "POST",
      apiPath(ApiRoutes.trigger, { name: "demo" }),
      { variables: { PATH: "/evil" } },
      400,
      ErrorCode.undeclaredVariable,
    ],
    ["POST", stagePath(ApiRoutes.approve, "ship"), undefined, 404, ErrorCode.runNotFound],
    [
      "POST",
      apiPath(ApiRoutes.cancelRun, { name: "demo", counter: 7 }),
      undefined,
      404,
      ErrorCode.runNotFound,
    ],
    ["POST", apiPath(ApiRoutes.enableAgent, { agent: "ghost" }), undefined, 404, ErrorCode.agentNotFound],
    ["DELETE", apiPath(ApiRoutes.agent, { agent: "ghost" }), undefined, 404, ErrorCode.agentNotFound],
    [
      "POST",
      ApiRoutes.credentials,
      { name: "bad", policy: { Statement: [{ Effect: "Maybe" }] } },
      400,
      ErrorCode.validation,
    ],
    [
      "DELETE",
      apiPath(ApiRoutes.credential, { accessKeyId: "AKIANOSUCHKEY" }),
      undefined,
      404,
      ErrorCode.notFound,
    ],
    ["POST", ApiRoutes.session, { token: "wrong" }, 401, ErrorCode.unauthorized],
  ];
  for (const [method, path, body, status, code] of refusals) {
    const answer = await call(server, method, path, body);
    assert.equal(answer.status, status, `${method} ${path}: ${answer.text}`);
    assert.equal((JSON.parse(answer.text) as Problem).code, code, `${method} ${path}`);
  }
  // A wrong token, and a logout with no session.
  const anonymous = await call(
    server,
    "POST",
    apiPath(ApiRoutes.pause, { name: "demo" }),
    { reason: "x" },
    {
      authorization: "Bearer wrong",
    },
  );
  assert.equal(anonymous.status, 401);
  assert.equal((await rawRequest(server, { method: "DELETE", target: ApiRoutes.session })).status, 204);
  // A notify naming no configured repository changes nothing.
  await ok(server, "POST", ApiRoutes.notify, { url: "https://example.invalid/none.git" });
  assert.deepEqual(await allEntries(server), before);
});

/** Fails every insert into the audit log while `armed`. */
function failingAuditInserts(): { plugin: KyselyPlugin; armed: { on: boolean } } {
  const armed = { on: false };
  const plugin: KyselyPlugin = {
    transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
      if (armed.on && node.kind === "InsertQueryNode" && node.into?.table.identifier.name === "audit_log")
        throw new Error("forced failure of the audit entry");
      return node;
    },
    transformResult: async ({ result }) => result,
  };
  return { plugin, armed };
}

test(
  "an audited change cannot commit without its entry: a failed entry rolls the change back",
  { timeout: 90_000 },
  async (t) => {
    const { plugin, armed } = failingAuditInserts();
    const { server } = await startWithDemo(t, [plugin]);
    await registerAgent(server, server.keys.autoRegisterKey, "builder");
    const { db } = server.engine.ctx;
    const snapshot = async () =>
      JSON.stringify({
        pipelines: await db.selectFrom("pipelines").selectAll().execute(),
        runs: await db.selectFrom("pipeline_runs").select(["pipeline", "counter", "result"]).execute(),
        agents: await db.selectFrom("agents").select(["name", "config_state", "resources_json"]).execute(),
        keys: await db.selectFrom("access_keys").select(["access_key_id", "deleted"]).execute(),
        sessions: await db.selectFrom("sessions").select("id_hash").execute(),
        audit: await db.selectFrom("audit_log").selectAll().execute(),
      });
    const key = JSON.parse(
      await ok(server, "POST", ApiRoutes.credentials, {
        name: "kept",
        policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }] },
      }),
    ) as CreatedAccessKeyDto;
    const token = server.keys.apiToken;
    const before = await snapshot();

    armed.on = true;
    const changes: [string, string, unknown][] = [
      ["POST", apiPath(ApiRoutes.trigger, { name: "demo" }), {}],
      ["POST", apiPath(ApiRoutes.pause, { name: "demo" }), { reason: "x" }],
      ["POST", apiPath(ApiRoutes.disableAgent, { agent: "builder" }), undefined],
      ["PATCH", apiPath(ApiRoutes.agent, { agent: "builder" }), { resources: ["x"] }],
      ["DELETE", apiPath(ApiRoutes.agent, { agent: "builder" }), undefined],
      [
        "POST",
        ApiRoutes.credentials,
        {
          name: "lost",
          policy: { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] },
        },
      ],
      ["DELETE", apiPath(ApiRoutes.credential, { accessKeyId: key.accessKeyId }), undefined],
      ["POST", ApiRoutes.session, { token }],
      ["POST", ApiRoutes.apiTokenRotate, undefined],
    ];
    for (const [method, path, body] of changes) {
      const answer = await call(server, method, path, body);
      assert.equal(answer.status, 500, `${method} ${path}: ${answer.text}`);
    }
    const registration = await fetch(`${server.url}/agent/v1/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        protocolVersion: AGENT_PROTOCOL_VERSION,
        key: server.keys.autoRegisterKey,
        name: "newcomer",
        hostname: "h",
        resources: [],
      }),
    });
    assert.equal(registration.status, 500, await registration.text());
    assert.equal(await snapshot(), before, "nothing changed");
    assert.equal(server.keys.apiToken, token, "the API token was not rotated");

    // And the other way: a step that wrote its entry and then failed leaves no orphan entry.
    armed.on = false;
    await assert.rejects(
      server.engine.ctx.step(async (tx) => {
        await recordAudit(tx.db, {
          actor: { kind: "user", name: "admin" },
          action: "pipeline.pause",
          target: "pipeline/demo",
          at: tx.now(),
        });
        throw new Error("forced rollback");
      }),
      /forced rollback/,
    );
    assert.equal(await snapshot(), before, "no orphan entry");
  },
);

test("GET /api/v1/audit filters by actor, action, target and time, and pages newest first", async (t) => {
  const server = await startHttpServer(t);
  const { db } = server.engine.ctx;
  const base = Date.parse("2026-01-01T00:00:00Z");
  const actors = [
    { kind: "user", name: "admin" },
    { kind: "agent", name: "agent-1" },
    { kind: "system", name: "fawkes" },
  ] as const;
  const actions = ["pipeline.trigger", "pipeline.pause", "stage.approve", "agent.enable"] as const;
  const total = 240;
  for (let i = 0; i < total; i++)
    await recordAudit(db, {
      actor: actors[i % 3]!,
      action: actions[i % 4]!,
      target: i % 2 === 0 ? `pipeline/build/${i}` : `pipeline/build_x/${i}`,
      details: { i },
      sourceIp: "10.0.0.1",
      at: base + i * 60_000,
    });
  const ids = async (query: string): Promise<number[]> =>
    (await audit(server, query)).entries.map((entry) => entry.details.i as number);
  const wanted = (keep: (i: number) => boolean, limit = 100): number[] =>
    Array.from({ length: total }, (_, i) => total - 1 - i)
      .filter(keep)
      .slice(0, limit);

  assert.deepEqual(
    await ids(""),
    wanted(() => true),
    "newest first, 100 by default",
  );
  assert.deepEqual(
    await ids("?action=stage.approve"),
    wanted((i) => i % 4 === 2),
  );
  assert.deepEqual(
    await ids("?action=pipeline.*&limit=500"),
    wanted((i) => i % 4 < 2, 500),
  );
  assert.deepEqual(await ids("?action=pipeline"), [], "no prefix without the star");
  assert.deepEqual(
    await ids("?actor=agent-1&limit=500"),
    wanted((i) => i % 3 === 1, 500),
  );
  assert.deepEqual(
    await ids("?actor=agent:agent-1&limit=500"),
    wanted((i) => i % 3 === 1, 500),
  );
  assert.deepEqual(await ids("?actor=user:agent-1"), []);
  assert.deepEqual(await ids("?target=pipeline/build/10"), [10]);
  // `_` is no wildcard (LIKE's would match build_x): the prefix is compared exactly, case included.
  assert.deepEqual(
    await ids("?target=pipeline/build/*&limit=500"),
    wanted((i) => i % 2 === 0, 500),
  );
  assert.deepEqual(
    await ids("?target=pipeline/build_*&limit=500"),
    wanted((i) => i % 2 === 1, 500),
  );
  assert.deepEqual(await ids("?target=PIPELINE/*"), []);
  const at = (i: number): string => new Date(base + i * 60_000).toISOString();
  assert.deepEqual(
    await ids(`?since=${encodeURIComponent(at(10))}&until=${base + 20 * 60_000}`),
    wanted((i) => i >= 10 && i < 20),
  );
  assert.deepEqual(
    await ids(`?since=${encodeURIComponent(at(230).replace("Z", "+00:00"))}&actor=admin`),
    wanted((i) => i >= 230 && i % 3 === 0),
  );

  // Paging: every entry exactly once, newest first, `next` null on the last page.
  const seen: number[] = [];
  let before: number | null = null;
  let pages = 0;
  do {
    const page: AuditListDto = await audit(server, `?limit=70${before === null ? "" : `&before=${before}`}`);
    assert.ok(page.entries.length <= 70);
    seen.push(...page.entries.map((entry) => entry.details.i as number));
    before = page.next;
    pages++;
  } while (before !== null);
  assert.equal(pages, 4);
  assert.deepEqual(
    seen,
    wanted(() => true, total),
  );
  const page = await audit(server, "?limit=1");
  assert.equal(page.entries[0]?.sourceIp, "10.0.0.1");
  assert.equal(page.next, page.entries[0]?.id);

  for (const query of [
    "?limit=0",
    "?limit=501",
    "?limit=ten",
    "?before=abc",
    "?before=0",
    "?since=yesterday",
    "?until=2026-13-01T00:00:00Z",
    `?since=${base + 10}&until=${base}`,
    "?colour=red",
    "?action=a&action=b",
  ]) {
    const answer = await call(server, "GET", ApiRoutes.audit + query);
    assert.equal(answer.status, 400, `${query}: ${answer.text}`);
    assert.equal((JSON.parse(answer.text) as Problem).code, ErrorCode.validation, query);
  }
  const anonymous = await call(server, "GET", ApiRoutes.audit, undefined, { authorization: "Bearer no" });
  assert.equal(anonymous.status, 401);
});
