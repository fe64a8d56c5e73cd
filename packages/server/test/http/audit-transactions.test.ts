/**
 * An audited change cannot commit without its entry: with the entry's insert forced to fail, every audited route
 * answers 500 and changes nothing; a step that wrote its entry and then failed leaves no orphan entry.
 */
import assert from "node:assert/strict";
import test from "node:test";
import { AGENT_PROTOCOL_VERSION, ApiRoutes, apiPath, type CreatedAccessKeyDto } from "@fawkes/protocol";
import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from "kysely";
import { recordAudit } from "../../src/services/audit.ts";
import { registerAgent } from "./agent-player.ts";
import { call, ok, startWithDemo } from "./audit-support.ts";

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
