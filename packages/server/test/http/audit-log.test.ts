/**
 * The audit log over real HTTP, on the suite's store (SQLite, or PostgreSQL under FAWKES_TEST_STORE=postgres):
 * every audited action leaves exactly one entry with the right actor and target, secrets appear by name only,
 * and a refused request leaves none.
 */
import assert from "node:assert/strict";
import test from "node:test";
import {
  ApiRoutes,
  ErrorCode,
  apiPath,
  type AuditEntryDto,
  type CreatedAccessKeyDto,
  type Problem,
} from "@fawkes/protocol";
import { waitFor } from "@fawkes/testing";
import { completeJob, playUntil, registerAgent, work } from "./agent-player.ts";
import {
  allEntries,
  call,
  ok,
  runResult,
  secrets,
  stagePath,
  startWithDemo,
  summary,
} from "./audit-support.ts";
import { rawRequest } from "./http-server.ts";

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
    assert.equal(login.status, 200, login.body);
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
